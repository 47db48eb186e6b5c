/**
 * Runs s3rver in a child process for the tests (see s3-test-server.ts): started with
 * `node --openssl-legacy-provider`, because s3rver encrypts its list continuation tokens
 * with DES, which OpenSSL 3 only has in its legacy provider.
 *
 *   node --openssl-legacy-provider --import tsx src/storage/s3rver-process.ts <directory> <bucket>
 *
 * Prints `{"port":N}` once listening on 127.0.0.1; stops on SIGTERM or when stdin closes.
 */
import S3rver from '@20minutes/s3rver';

const [directory, bucket] = process.argv.slice(2);
if (directory === undefined || bucket === undefined) {
  process.stderr.write('usage: s3rver-process.ts <directory> <bucket>\n');
  process.exit(2);
}
const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, vhostBuckets: false, configureBuckets: [{ name: bucket }] });
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
// The parent's end of stdin closes when the parent dies, so no server outlives a crashed test run.
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
