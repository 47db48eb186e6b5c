import type { CleanroomClient } from '../../client/cleanroom-client.ts';
import type { QuerySubmission, SubmitOptions } from '../../client/types.ts';
import type { DeliveryOptions } from '../../collaboration/run-query.ts';
import type { Backend, RunInput } from './backend.ts';
import { saveDownload } from '../../client/node-download.ts';
import { remoteActor } from './remote-actor.ts';
import { remoteDatasets } from './remote-datasets.ts';
import { remoteResultsSql } from './results-sql-backend.ts';
import { remoteDashboards } from './dashboard-backend.ts';
import { outcomeOf, resultLocation, runToEnd } from './remote-outcome.ts';

/** Seconds a submission waits on the server before answering, so short queries take one round trip. */
const SUBMIT_WAIT_SECONDS = 30;

function delivery(d: DeliveryOptions): Pick<SubmitOptions, 'normalize' | 'hash'> {
  return {
    ...(d.normalize && d.normalize.length > 0 ? { normalize: d.normalize } : {}),
    ...(d.hash && Object.keys(d.hash).length > 0 ? { hash: Object.keys(d.hash) } : {}),
  };
}

function submitOptions(options: RunInput): SubmitOptions {
  return {
    ...(options.receiver ? { receiver: options.receiver } : {}),
    ...delivery(options.delivery),
    ...(options.dp !== undefined ? { dp: options.dp } : {}),
  };
}

/** Every command group through the HTTP API; the acting member is the token's. */
export function remoteBackend(client: CleanroomClient): Backend {
  const actor = remoteActor(client);
  return {
    mode: 'remote',
    actor,
    members: {
      create: (name) => client.members.create(name),
      list: () => client.members.list(),
    },
    datasets: remoteDatasets(client),
    tables: {
      create: (member, name, dataset, columns, rule) => client.tables.create(member, { name, dataset, rule, ...(columns ? { columns } : {}) }),
      update: (member, name, columns, rule) =>
        client.tables.update(member, name, { ...(rule !== undefined ? { rule } : {}), ...(columns ? { columns } : {}) }),
      show: (member, name) => client.tables.show(member, name),
      list: (member) => client.tables.list(member),
      delete: async (member, name) => void (await client.tables.delete(member, name)),
      check: (member, name, sql, sqlName) => client.tables.check(member, name, sql, sqlName),
      propose: async (member, change) => {
        const { dryRun: _flag, ...proposal } = await client.tables.propose(member, change);
        return proposal;
      },
    },
    collaborations: {
      create: (_creator, name, members, queryLogs, differenceChecks) => client.collaborations.create({ name, members, queryLogs, differenceChecks }),
      enableDifferenceChecks: async (_who, name) => void (await client.collaborations.enableDifferenceChecks(name)),
      accept: async (_who, name) => void (await client.collaborations.accept(name)),
      leave: async (_who, name) => void (await client.collaborations.leave(name)),
      delete: async (_who, name) => void (await client.collaborations.delete(name)),
      associate: (name, _who, table, sqlName, receivers) =>
        client.collaborations.associate(name, { table, ...(sqlName !== undefined ? { name: sqlName } : {}), ...(receivers ? { receivers } : {}) }),
      disassociate: async (name, _who, sqlName) => void (await client.collaborations.disassociate(name, sqlName)),
      show: (name) => client.collaborations.show(name),
      list: () => client.collaborations.list(),
    },
    templates: {
      create: (collaboration, _who, t) =>
        client.templates.create(collaboration, { name: t.name, sql: t.sql, description: t.description, parameters: t.parameters }),
      list: (collaboration) => client.templates.list(collaboration),
      show: (collaboration, _who, template) => client.templates.show(collaboration, template),
      setApproval: (collaboration, template, _who, table, approve) =>
        approve ? client.templates.approve(collaboration, template, table) : client.templates.revoke(collaboration, template, table),
    },
    queries: {
      async run(collaboration, who, source, options) {
        const submission: QuerySubmission = {
          ...submitOptions(options),
          format: options.format,
          ...('template' in source ? { template: source.template, params: source.values } : { sql: source.sql }),
        };
        if (options.dryRun) return client.queries.dryRun(collaboration, submission);
        const view = await runToEnd(client, collaboration, () => client.queries.submit(collaboration, submission, SUBMIT_WAIT_SECONDS), options.signal);
        return outcomeOf(client, view, who);
      },
      cancel: async (collaboration, _who, id) => void (await client.queries.cancel(collaboration, id)),
      listOwn: (collaboration) => client.queries.list(collaboration),
      logs: (collaboration) => client.queries.logs(collaboration),
    },
    results: {
      list: async () =>
        (await client.results.list()).map((r) => ({
          // In the order and with the fields of an embedded `results list`.
          id: r.id,
          queryId: r.queryId,
          format: r.format,
          columns: r.columns,
          rowCount: r.rowCount,
          bytes: r.bytes,
          location: resultLocation(client, r.id, r.location),
          createdAt: r.createdAt,
        })),
      delete: async (_who, id) => void (await client.results.delete(id)),
      export: async (_who, id, destination, format) => saveDownload(await client.results.download(id, format), destination),
    },
    resultsSql: remoteResultsSql(client),
    dashboards: remoteDashboards(client),
    insights: {
      list: () => client.insights.list(),
      install: (collaboration, _who, tables, only) => client.insights.install(collaboration, { tables, ...(only ? { only } : {}) }),
      async run(analysis, collaboration, who, values, options) {
        const body = { ...submitOptions(options), params: values, tables: options.tables };
        const view = await runToEnd(client, collaboration, () => client.insights.run(collaboration, analysis, body, SUBMIT_WAIT_SECONDS), options.signal);
        const outcome = await outcomeOf(client, view, who);
        // Figures (and the fallback note) are kept for the receiver of a delivered run only.
        const run = outcome.status === 'succeeded' && outcome.delivery ? await client.insights.runFigures(collaboration, view.id) : undefined;
        return { outcome, ...(run?.figures ? { finished: run.figures } : {}), ...(run?.note !== undefined ? { note: run.note } : {}) };
      },
    },
    privacy: {
      setBudget: (who, table, s) =>
        client.privacy.setBudget(who, table, { epsilon: s.epsilon, delta: s.delta, usersNoisePerQuery: s.usersNoisePerQuery, refresh: s.refresh }),
      report: (collaboration) => client.privacy.report(collaboration),
      preview: (collaboration, _who, s) => client.privacy.preview(collaboration, { epsilon: s.epsilon, usersNoisePerQuery: s.usersNoisePerQuery, delta: s.delta }),
    },
  };
}
