#!/usr/bin/env python3
"""Builds endpoints.tsv, the SDK's endpoint inventory, from the API spec files (run by hand when
the spec changes: python3 internal/inventory/gen_endpoints.py ../shared/spec > internal/inventory/endpoints.tsv).
Columns: method, path, token kind, spec file and section."""
import re, sys, pathlib

spec = pathlib.Path(sys.argv[1])
seen = {}

def add(method, path, token, where):
    path = '/cgi-bin/' + path.strip().strip('`').removeprefix('/cgi-bin/').split('?')[0].rstrip('/')
    key = (path)
    if key not in seen:
        seen[key] = (method, path, token, where)

# contacts-apps.md has an index table: | § | Method | Path | Token | ... |
tok = {'A': 'corp', 'S': 'suite', 'P': 'provider', '–': 'none'}
for line in (spec / 'contacts-apps.md').read_text().splitlines():
    m = re.match(r'^\| ([0-9.]+) \| (GET|POST)(?: / (?:GET|POST))? \| (.+?) \| (.+?) \|', line)
    if not m:
        continue
    sec, method, paths, token = m.groups()
    token = tok.get(token.strip()[0], 'corp')
    first_dir = None
    for p in re.findall(r'`([^`]+)`', paths):
        p = p.split('?')[0]
        if '/' not in p and first_dir:
            p = first_dir + '/' + p
        if first_dir is None:
            first_dir = p.rsplit('/', 1)[0] if '/' in p else ''
        add(method, p, token, 'contacts-apps.md §' + sec)

# customerservice.md's index table is relative to /cgi-bin/kf/
for line in (spec / 'customerservice.md').read_text().splitlines():
    m = re.match(r'^\| ([0-9.x]+) \| (GET|POST) \| (.+?) \|', line)
    if not m:
        continue
    sec, method, paths = m.groups()
    first_dir = None
    for p in re.findall(r'`([^`]+)`', paths):
        p = p.split('?')[0]
        if '/' not in p and first_dir:
            p = first_dir + '/' + p
        if first_dir is None:
            first_dir = p.rsplit('/', 1)[0] if '/' in p else ''
        add(method, 'kf/' + p, 'corp', 'customerservice.md §' + sec)

# the other files name endpoints in prose: METHOD [https://host]/cgi-bin/path
for name in ['platform.md', 'contacts-apps.md', 'messages.md', 'customerservice.md']:
    section = ''
    for line in (spec / name).read_text().splitlines():
        h = re.match(r'^#+ ([0-9.]+)', line)
        if h:
            section = h.group(1)
        for method, path in re.findall(r'(GET|POST) +`?(?:https://qyapi\.weixin\.qq\.com)?(/cgi-bin/[a-z0-9_/]+)', line):
            token = 'none' if path in ('/cgi-bin/gettoken',) or path.startswith('/cgi-bin/webhook/') else 'corp'
            if path.startswith('/cgi-bin/service/get_suite_token') or path.startswith('/cgi-bin/service/get_provider_token'):
                token = 'none'
            add(method, path, token, name + ' §' + section)

# named only in passing by the spec, without method or section of their own
add('POST', 'service/corpid_to_opencorpid', 'provider', 'contacts-apps.md §0')

# legacy paths the spec lists beside their successors: left out on purpose
legacy = {'/cgi-bin/user/getuserinfo': '/cgi-bin/auth/getuserinfo',
          '/cgi-bin/service/getuserinfo3rd': '/cgi-bin/service/auth/getuserinfo3rd'}

print('# method\tpath\ttoken\tspec\tstatus (legacy:successor = left out on purpose)')
for method, path, token, where in sorted(seen.values(), key=lambda r: r[1]):
    status = 'legacy:' + legacy[path] if path in legacy else ''
    print(f'{method}\t{path}\t{token}\t{where}\t{status}'.rstrip('\t'))
