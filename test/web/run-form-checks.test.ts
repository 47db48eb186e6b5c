import { describe, expect, it } from 'vitest';
import { checkColumnList, checkDelivery, checkTables, defaultTables, receiversOf } from '../../web/src/param-form.ts';

/** The run form's checks of table roles and delivery options, before anything is sent. */
describe('table roles', () => {
  const associated = ['customers', 'crm_list', 'audience_list'];

  it('defaults each role to the associated table named like it, as the server does, else to none', () => {
    expect(defaultTables(['customers', 'impressions'], associated)).toEqual({ customers: 'customers', impressions: '' });
  });

  it('sends only the roles mapped to another name, like --tables, and names each missing choice', () => {
    expect(checkTables(['customers', 'impressions'], { customers: 'customers', impressions: 'audience_list' }, associated)).toEqual({
      tables: { impressions: 'audience_list' },
      problems: {},
    });
    expect(checkTables(['customers', 'impressions'], { customers: 'gone', impressions: '' }, associated).problems).toEqual({
      customers: "'gone' is not associated with this collaboration",
      impressions: "no associated table is named 'impressions': choose the table that plays this role",
    });
    expect(checkTables(['audience'], { audience: 'crm_list' }, associated).problems).toEqual({ audience: "a table role this page does not know ('audience')" });
  });
});

describe('delivery options', () => {
  it('reads a comma-separated list of output columns', () => {
    expect(checkColumnList(' email_address , phone,')).toEqual({ ok: true, columns: ['email_address', 'phone'] });
    expect(checkColumnList('')).toEqual({ ok: true, columns: [] });
    expect(checkColumnList('email address')).toMatchObject({ ok: false, message: expect.stringContaining("'email address' is not a column name") });
    expect(checkColumnList('email, EMAIL')).toEqual({ ok: false, message: "'EMAIL' is named twice" });
    expect(checkColumnList(Array.from({ length: 65 }, (_, i) => `c${i}`).join(','))).toEqual({ ok: false, message: 'at most 64 columns' });
  });

  it('lists as receivers the active members with the receive ability', () => {
    expect(
      receiversOf([
        { member: 'brand', query: true, receive: true, accepted: true, left: false },
        { member: 'platform', query: false, receive: true, accepted: false, left: false },
        { member: 'agency', query: true, receive: false, accepted: true, left: false },
        { member: 'gone', query: false, receive: true, accepted: true, left: true },
      ]),
    ).toEqual(['brand']);
  });

  it('sends a receiver other than you, and the columns only for a list analysis', () => {
    const input = { receiver: 'platform', normalize: 'email_address', hash: 'email_address' };
    const context = { runner: 'brand', receivers: ['brand', 'platform'] };
    expect(checkDelivery(input, { ...context, listRule: true })).toEqual({
      options: { receiver: 'platform', normalize: ['email_address'], hash: ['email_address'] },
      problems: {},
    });
    expect(checkDelivery(input, { ...context, listRule: false })).toEqual({ options: { receiver: 'platform' }, problems: {} });
    expect(checkDelivery({ receiver: 'brand', normalize: '', hash: '' }, { ...context, listRule: true })).toEqual({ options: {}, problems: {} });
  });

  it('says next to the field what is wrong', () => {
    const checked = checkDelivery({ receiver: 'brand', normalize: 'a b', hash: 'x,x' }, { runner: 'brand', receivers: ['platform'], listRule: true });
    expect(checked.problems).toEqual({
      receiver: "'brand' may not receive results here (no receive ability, or not an active member)",
      normalize: "'a b' is not a column name: output column names separated by commas, e.g. email_address",
      hash: "'x' is named twice",
    });
  });
});
