// Module customization hooks that report every file module a process loads, one
// `loaded-module <url>` line on stderr each. Registered with --import by
// test/e2e/lazy-loading.e2e.test.ts to see what the library entry point and the CLI pull in.
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:')) process.stderr.write(`loaded-module ${url}\n`);
  return nextLoad(url, context);
}
