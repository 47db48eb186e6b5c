import type { Command } from 'commander';
import { generateMediaData } from '../../synthetic/generate.ts';
import { pickFormat, printJson, printRecords, UsageError } from '../output.ts';
import { progressBar } from '../progress.ts';

export function wholeNumber(flag: string, text: string, min: number): number {
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`${flag} takes a whole number >= ${min}, not '${text}'`);
  return value;
}

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description(
      "write synthetic media data: a brand's customers and conversions and each ad platform's impressions and campaign audiences\n" +
        'example: cleanroom generate --out ./data --seed 7 --scale 1000000 --platforms 2',
    )
    .requiredOption('--out <dir>', 'output folder')
    .option('--seed <n>', 'seed: the same seed gives the same data', '42')
    .option('--scale <n>', 'number of impressions over all platforms', '1000000')
    .option('--platforms <n>', 'number of ad platforms', '1')
    .option('--file-format <format>', 'parquet|csv', 'parquet')
    .option('--format <format>', 'output listing: table|json|csv')
    .action(async (opts: { out: string; seed: string; scale: string; platforms: string; fileFormat: string; format?: string }) => {
      if (opts.fileFormat !== 'parquet' && opts.fileFormat !== 'csv') throw new UsageError('--file-format must be parquet or csv');
      const bar = progressBar('generating');
      try {
        const generated = await generateMediaData({
          outDir: opts.out,
          seed: wholeNumber('--seed', opts.seed, Number.MIN_SAFE_INTEGER),
          scale: wholeNumber('--scale', opts.scale, 1),
          platforms: wholeNumber('--platforms', opts.platforms, 1),
          format: opts.fileFormat,
          onProgress: (step, done, total) => bar.step(step, done, total),
        });
        bar.stop();
        const format = pickFormat(opts.format);
        if (format === 'json') printJson(generated);
        else printRecords(format, generated.files.map((f) => ({ ...f })), ['role', 'table', 'rows', 'path']);
      } finally {
        bar.stop();
      }
    });
}
