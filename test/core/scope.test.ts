import { describe, expect, it } from 'vitest';
import {
  argumentOutsideScope,
  buildRegistry,
  checkPlan,
  formatPath,
  PlanError,
  stepScope,
  type Plan,
} from '../../src/core/index.js';
import { parseScopeEntry } from '../../src/core/governance/scope-entry.js';

const capabilities = { sh: { kind: 'command', command: ['true'], skills: { build: 1 } } };

function checked(plan: Record<string, unknown>): Plan {
  return checkPlan({ baton: 1, name: 'scoped', capabilities, ...plan }, (p) => buildRegistry(p));
}

/** The issues of a plan as `path: message` lines (an empty list when it is valid). */
function issues(plan: Record<string, unknown>): string[] {
  try {
    checked(plan);
    return [];
  } catch (error) {
    if (error instanceof PlanError) return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw error;
  }
}

/** The scope of step `s` in a plan with this run scope and this step scope. */
function effective(run: string[] | undefined, step: string[] | undefined): readonly string[] | null {
  return stepScope(
    checked({
      ...(run && { constraints: { scope: run } }),
      steps: { s: { skill: 'build', ...(step && { constraints: { scope: step } }) }, t: { skill: 'build' } },
    }),
    's',
  );
}

describe('effective scope of a step', () => {
  it('is null when neither the run nor the step declares one', () => {
    expect(effective(undefined, undefined)).toBeNull();
  });

  it("is the run's when the step declares none, and the step's when the run declares none", () => {
    expect(effective(['./out', 'api.example.com'], undefined)).toEqual(['./out', 'api.example.com']);
    expect(effective(undefined, ['/srv/data'])).toEqual(['/srv/data']);
  });

  it('is where both meet: a step entry within a run entry narrows it, a run entry the step leaves out is dropped', () => {
    expect(
      effective(['./out', 'api.example.com', '/srv/data'], ['./out/reports', 'https://api.example.com/v1']),
    ).toEqual(['./out/reports', 'https://api.example.com/v1']);
    expect(effective(['./out', 'api.example.com'], ['./out'])).toEqual(['./out']);
    expect(effective(['./out'], [])).toEqual([]);
  });

  it("gives a step the plan does not have the run's scope", () => {
    expect(
      stepScope(
        checked({
          constraints: { scope: ['./out'] },
          steps: { s: { skill: 'build', constraints: { scope: ['./out/a'] } } },
        }),
        'gone',
      ),
    ).toEqual(['./out']);
  });
});

describe('scope validation', () => {
  it('accepts paths, http(s) URLs and hosts', () => {
    expect(
      issues({
        constraints: {
          scope: [
            '/srv/data',
            './out',
            '..',
            'https://api.example.com/v1',
            'http://localhost:8080',
            'api.example.com',
            'localhost:5432',
            '[::1]:8080',
            '10.0.0.1',
          ],
        },
        steps: { a: { skill: 'build' } },
      }),
    ).toEqual([]);
  });

  it('names an entry that is none of the three forms, with the forms that are', () => {
    expect(
      issues({
        constraints: {
          scope: ['out/data', 'ftp://files.example.com', '*.example.com', 'https://api.example.com/v1?key=x'],
        },
        steps: { a: { skill: 'build', constraints: { scope: ['host:99999'] } } },
      }),
    ).toEqual([
      'constraints.scope[0]: "out/data" is not a path, URL or host; a scope entry is a path (`/srv/data`, `./out`), an http(s) URL (`https://api.example.com/v1`) or a host (`api.example.com`, `localhost:8080`)',
      'constraints.scope[1]: "ftp://files.example.com" is not an http or https URL; a scope entry is a path (`/srv/data`, `./out`), an http(s) URL (`https://api.example.com/v1`) or a host (`api.example.com`, `localhost:8080`)',
      'constraints.scope[2]: "*.example.com" has a wildcard; scope entries are prefixes, not patterns: list each path or host',
      'constraints.scope[3]: "https://api.example.com/v1?key=x" has a user, query or fragment; a scope URL is a scheme, host, optional port and path prefix',
      'steps.a.constraints.scope[0]: "host:99999" is not a path, URL or host; a scope entry is a path (`/srv/data`, `./out`), an http(s) URL (`https://api.example.com/v1`) or a host (`api.example.com`, `localhost:8080`)',
    ]);
  });

  it("a step can only narrow the run's scope, by whole segments", () => {
    expect(
      issues({
        constraints: { scope: ['./out', 'https://api.example.com/v1', '/srv/data'] },
        steps: {
          a: {
            skill: 'build',
            constraints: {
              scope: ['./out/../secrets', 'api.example.com', 'https://api.example.com/v2', '/srv/database'],
            },
          },
        },
      }),
    ).toEqual([
      "steps.a.constraints.scope[0]: \"./out/../secrets\" is not within the run's constraints.scope (./out, https://api.example.com/v1, /srv/data); a step's constraints can only narrow the run's",
      "steps.a.constraints.scope[1]: \"api.example.com\" is not within the run's constraints.scope (./out, https://api.example.com/v1, /srv/data); a step's constraints can only narrow the run's",
      "steps.a.constraints.scope[2]: \"https://api.example.com/v2\" is not within the run's constraints.scope (./out, https://api.example.com/v1, /srv/data); a step's constraints can only narrow the run's",
      "steps.a.constraints.scope[3]: \"/srv/database\" is not within the run's constraints.scope (./out, https://api.example.com/v1, /srv/data); a step's constraints can only narrow the run's",
    ]);
    expect(
      issues({
        constraints: { scope: ['./out'] },
        steps: { a: { skill: 'build', constraints: { scope: ['/home/me/out'] } } },
      }),
    ).toEqual([
      "steps.a.constraints.scope[0]: \"/home/me/out\" is not within the run's constraints.scope (./out); a step's constraints can only narrow the run's (relative and absolute paths are compared as written: write it the way the run does)",
    ]);
    expect(
      issues({
        constraints: { scope: ['api.example.com', '..'] },
        steps: {
          a: {
            skill: 'build',
            constraints: { scope: ['https://api.example.com/v1/', 'api.example.com:443', './x', '../y'] },
          },
        },
      }),
    ).toEqual([]);
  });
});

describe('scope entries', () => {
  it('normalize paths: `.`, `..`, repeated and trailing slashes; `..` cannot climb above /', () => {
    expect(parseScopeEntry('/srv//data/./x/../')).toEqual({
      ok: true,
      entry: { kind: 'path', absolute: true, up: 0, segments: ['srv', 'data'] },
    });
    expect(parseScopeEntry('/../../etc')).toEqual({
      ok: true,
      entry: { kind: 'path', absolute: true, up: 0, segments: ['etc'] },
    });
    expect(parseScopeEntry('../../a/./b')).toEqual({
      ok: true,
      entry: { kind: 'path', absolute: false, up: 2, segments: ['a', 'b'] },
    });
  });

  it('give a URL its effective port and a host the port it names', () => {
    expect(parseScopeEntry('HTTPS://API.example.com/v1')).toEqual({
      ok: true,
      entry: { kind: 'url', protocol: 'https:', hostname: 'api.example.com', port: '443', segments: ['v1'] },
    });
    expect(parseScopeEntry('example.com:80')).toEqual({
      ok: true,
      entry: { kind: 'host', hostname: 'example.com', port: '80' },
    });
  });
});

describe('command arguments against a scope', () => {
  const cwd = '/home/me/project';
  const scope = ['./out', '/srv/data', 'https://api.example.com/v1', 'files.example.com'];
  const outside = (...args: string[]) => argumentOutsideScope(['tool', ...args], scope, cwd);

  it('lets through paths and URLs within the scope, and arguments that name neither', () => {
    expect(
      outside('./out/report.txt', '/srv/data', '/srv/data/a/../b', 'out/../../anything', 'hello world', '--verbose'),
    ).toBeNull();
    expect(
      outside(
        'https://api.example.com/v1/items?page=2#top',
        'http://files.example.com/x',
        'https://files.example.com:8443/y',
        '--out=./out/x',
        '-o=/srv/data/y',
      ),
    ).toBeNull();
  });

  it('refuses a path outside the scope by whole segments, after `..` is applied', () => {
    expect(outside('/srv/database')).toEqual({
      index: 1,
      value: '/srv/database',
      message:
        'command[1] "/srv/database" names the path /srv/database, which is outside the step\'s scope (./out, /srv/data, https://api.example.com/v1, files.example.com; relative paths resolve against /home/me/project)',
    });
    expect(outside('./out/../secrets')?.message).toBe(
      'command[1] "./out/../secrets" names the path /home/me/project/secrets, which is outside the step\'s scope (./out, /srv/data, https://api.example.com/v1, files.example.com; relative paths resolve against /home/me/project)',
    );
    expect(outside('ok', '/srv/data/../../etc/passwd')).toMatchObject({
      index: 2,
      value: '/srv/data/../../etc/passwd',
    });
    expect(outside('..')).toMatchObject({ index: 1 });
  });

  it('refuses a URL outside the scope: another origin, a path outside the prefix, or a host hidden behind user info', () => {
    expect(outside('https://api.example.com/v2')?.message).toMatch(
      /^command\[1\] "https:\/\/api.example.com\/v2" names the URL https:\/\/api.example.com\/v2, which is outside the step's scope/,
    );
    expect(outside('http://api.example.com/v1')).toMatchObject({ index: 1 });
    expect(outside('https://api.example.com:8443/v1')).toMatchObject({ index: 1 });
    expect(outside('https://api.example.com/v1x')).toMatchObject({ index: 1 });
    expect(outside('https://api.example.com/v1/../admin')).toMatchObject({ index: 1 });
    expect(outside('https://files.example.com@evil.example/x')?.message).toContain(
      'names the URL https://evil.example/x',
    );
    expect(outside('https://')?.message).toBe(
      'command[1] "https://": it is not a valid URL, so it cannot be checked against the scope; the step\'s scope is (./out, /srv/data, https://api.example.com/v1, files.example.com; relative paths resolve against /home/me/project)',
    );
  });

  it('checks the value of `--name=value` too, and never the program', () => {
    expect(outside('--out=/etc/x')?.message).toMatch(
      /^command\[1\] "--out=\/etc\/x" \(its value "\/etc\/x"\) names the path \/etc\/x, which is outside/,
    );
    expect(argumentOutsideScope(['/usr/bin/env', './out/x'], scope, cwd)).toBeNull();
  });

  it('with an empty scope refuses every path and URL', () => {
    expect(argumentOutsideScope(['tool', 'text', './x'], [], cwd)?.message).toBe(
      'command[2] "./x" names the path /home/me/project/x, which is outside the step\'s scope (empty: no path or URL is allowed)',
    );
  });
});

describe('command arguments as a program may read them', () => {
  const cwd = '/home/me/project';
  const scope = ['./data', 'https://api.example.com/v1'];
  const allowed = `(./data, https://api.example.com/v1; relative paths resolve against ${cwd})`;
  const check = (argument: string) => argumentOutsideScope(['tool', argument], scope, cwd);
  const refused = (argument: string) => check(argument)?.message;

  it('refuses URLs that WHATWG resolves to another host: one slash, backslashes, leading space or tab', () => {
    expect(refused('https:/evil.example.com/x')).toBe(
      `command[1] "https:/evil.example.com/x" names the URL https://evil.example.com/x, which is outside the step's scope ${allowed}`,
    );
    expect(refused('https:\\\\evil.example.com\\x')).toBe(
      `command[1] "https:\\\\evil.example.com\\x" names the URL https://evil.example.com/x, which is outside the step's scope ${allowed}`,
    );
    expect(refused(' https://evil.example.com/')).toBe(
      `command[1] " https://evil.example.com/" names the URL https://evil.example.com/, which is outside the step's scope ${allowed}`,
    );
    expect(refused('\thttps://evil.example.com/')).toBe(
      `command[1] "\\thttps://evil.example.com/" names the URL https://evil.example.com/, which is outside the step's scope ${allowed}`,
    );
    for (const argument of [
      'HTTPS:evil.example.com',
      'ht\ttps://evil.example.com/',
      'https://api.example.com@evil.example.com',
      '\u00a0https://EVIL.example.com/v1',
      'https://evil.example.com\n',
    ]) {
      expect(refused(argument), argument).toMatch(/names the URL https:\/\/evil\.example\.com\//);
    }
  });

  it('refuses a URL whose host parsers disagree on, and a path that a server decoding %2F reads outside the prefix', () => {
    expect(refused('https://api.example.com\\@evil.example.com/v1')).toBe(
      `command[1] "https://api.example.com\\@evil.example.com/v1": URL parsers disagree on its host (api.example.com, or evil.example.com after the last "@"), so it cannot be checked against the scope; the step's scope is ${allowed}`,
    );
    expect(refused('https://api.example.com/v1/..%2Fadmin')).toBe(
      `command[1] "https://api.example.com/v1/..%2Fadmin" names the URL https://api.example.com/v1/..%2Fadmin (read as https://api.example.com/admin where %2F is decoded), which is outside the step's scope ${allowed}`,
    );
    expect(refused('https://api.example.com/v1/%2e%2E/admin')).toMatch(
      /names the URL https:\/\/api\.example\.com\/admin,/,
    );
  });

  it('fails closed on any other scheme, and reads file: URLs as paths', () => {
    expect(refused('ftp://api.example.com/v1')).toBe(
      `command[1] "ftp://api.example.com/v1": a URL parser reads it as a URL with the scheme "ftp:", and a scope holds only paths and http(s) URLs; the step's scope is ${allowed}`,
    );
    for (const argument of [
      'ws://api.example.com/v1',
      'ssh://evil.example.com',
      'ext::sh -c id',
      'C:\\Windows',
      'localhost:8080',
    ])
      expect(refused(argument), argument).toMatch(/reads it as a URL with the scheme/);
    expect(refused('file:///etc/passwd')).toBe(
      `command[1] "file:///etc/passwd" names the path /etc/passwd (a file: URL), which is outside the step's scope ${allowed}`,
    );
    expect(refused('FILE:///home/me/project/data/%2e%2e/secret')).toMatch(
      /names the path \/home\/me\/project\/secret \(a file: URL\)/,
    );
    expect(refused('file:///home/me/project/data/..%2F..%2Fsecret')).toMatch(
      /names the path \/home\/me\/secret \(a file: URL\)/,
    );
    expect(refused('file://evil.example.com/home/me/project/data/x')).toMatch(
      /it is a file: URL on the host evil\.example\.com, which no scope path holds/,
    );
    expect(check('file:///home/me/project/data/x.csv')).toBeNull();
  });

  it('checks the value attached to a short option, in a cluster, and after every = of NAME=VALUE', () => {
    expect(refused('-o/path')).toBe(
      `command[1] "-o/path" (its value "/path") names the path /path, which is outside the step's scope ${allowed}`,
    );
    expect(refused('-xvf/etc/passwd')).toMatch(
      /^command\[1\] "-xvf\/etc\/passwd" \(its value "\/etc\/passwd"\) names the path \/etc\/passwd,/,
    );
    expect(refused('-o../secret')).toMatch(/\(its value "\.\.\/secret"\) names the path \/home\/me\/secret,/);
    expect(refused('-uhttps:/evil.example.com')).toMatch(
      /\(its value "https:\/evil\.example\.com"\) names the URL https:\/\/evil\.example\.com\//,
    );
    expect(refused('of=/etc/passwd')).toMatch(/\(its value "\/etc\/passwd"\) names the path \/etc\/passwd,/);
    expect(refused('--set=path=/etc')).toMatch(/\(its value "\/etc"\) names the path \/etc,/);
    expect(refused('-Dfile= /etc/passwd')).toMatch(/names the path \/etc\/passwd,/);
    expect(refused('--url= https://evil.example.com')).toMatch(/names the URL https:\/\/evil\.example\.com\//);
  });

  it('reads backslashes as separators, trims spaces, and refuses a home directory it cannot resolve', () => {
    expect(refused('..\\secret')).toMatch(/names the path \/home\/me\/secret,/);
    expect(refused('./data\\..\\..\\secret')).toMatch(/names the path \/home\/me\/secret,/);
    expect(refused('\\etc\\passwd')).toMatch(/names the path \/etc\/passwd,/);
    expect(refused(' /etc/passwd')).toMatch(/names the path \/etc\/passwd,/);
    expect(refused('~/.ssh/id_rsa')).toBe(
      `command[1] "~/.ssh/id_rsa": it starts with ~, a home directory, which is not known here, so it cannot be checked against the scope (write the path in full); the step's scope is ${allowed}`,
    );
    expect(refused('--key=~root/x')).toMatch(/\(its value "~root\/x"\): it starts with ~/);
  });

  it('lets through what is within the scope, and words, numbers, flags and headers', () => {
    const fine = [
      'https://api.example.com/v1/items?q=1',
      'HTTPS://API.EXAMPLE.COM:443/v1/a',
      'https://token@api.example.com/v1/x',
      ' https://api.example.com/v1/a ',
    ];
    fine.push(
      './data/x.csv',
      '--input=./data/a',
      '-o./data/out.csv',
      'of=./data/y',
      '--url=https://api.example.com/v1/x?next=/y',
      '-uhttps://api.example.com/v1?a=/b',
    );
    fine.push(
      '-n5',
      '-v',
      '-vvv',
      '--verbose',
      '-1.5',
      '12:30',
      'a=b',
      'abc==',
      'hello world',
      'out/x',
      'Accept: application/json',
      '-HAccept: application/json',
      '',
    );
    for (const argument of fine) expect(check(argument), argument).toBeNull();
  });

  it('compares hosts as WHATWG writes them: IDNA, any case, the default port', () => {
    const idna = ['https://bücher.example/v1'];
    expect(
      argumentOutsideScope(['tool', 'https://BÜCHER.example:443/v1/a', 'https://xn--bcher-kva.example/v1'], idna, cwd),
    ).toBeNull();
    expect(argumentOutsideScope(['tool', 'https://bücher.example.evil.example/v1'], idna, cwd)?.message).toMatch(
      /names the URL https:\/\/xn--bcher-kva\.example\.evil\.example\/v1,/,
    );
    expect(argumentOutsideScope(['tool', 'https://bücher.example:8443/v1'], idna, cwd)).toMatchObject({ index: 1 });
  });
});
