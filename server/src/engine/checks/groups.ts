// Route-group checks: EP200 accidental traffic split, EP201 weights over 100, EP202 core-key disagreement,
// EP203 unweighted member at 0%, EP204 name-prefix shadowing, EP220 Mapping attached to no Host.
import type { JsonPath, QuickFix, Resource, TextEdit } from '../model';
import { hostGlobsIntersect } from '../hostglob';
import type { GroupDetail, MemberDetail, TcpGroupDetail } from '../routes';
import { isAccidentalSplit, isAccidentalTcpSplit, zeroShareMembers } from '../routes';
import type { CheckContext } from './context';
import { MAX_RELATED, describe, describeRoute, joinSome, qualifiedName, relatedAt, sharesText, whereDefined } from './context';

export function checkGroups(ctx: CheckContext): void {
  for (const g of ctx.model.groups) {
    checkSplit(ctx, g);
    checkWeights(ctx, g);
    checkDrops(ctx, g);
    checkZeroShare(ctx, g);
    checkUnattached(ctx, g);
  }
  for (const t of ctx.model.tcpGroups) checkTcp(ctx, t);
}

/** `team-a/api` for the member itself, `team-b/api (b.yaml)` for the others. */
function memberName(ctx: CheckContext, r: Resource, self: Resource): string {
  const q = qualifiedName(r, ctx.model.defaultNamespace);
  return r === self ? q : `${q} (${whereDefined(r, ctx.names)})`;
}

/** The group's weighted routing members, and how a message lists them (`team-a/api 60, team-b/api (b.yaml) 50`). */
function weightedMembers(ctx: CheckContext, g: GroupDetail): { weighted: MemberDetail[]; list: (self: Resource) => string } {
  const weighted = g.routing.filter((d) => d.mapping.rawWeight !== undefined);
  return { weighted, list: (self) => joinSome(weighted, (o) => `${memberName(ctx, o.mapping.resource, self)} ${o.mapping.rawWeight}`) };
}

function checkSplit(ctx: CheckContext, g: GroupDetail): void {
  if (!isAccidentalSplit(g)) return;
  const shares = g.routing.map((d) => d.share ?? 0);
  const route = describeRoute(g);
  const fix = weightFix(
    ctx,
    g.routing.map((d) => ({ resource: d.mapping.resource, weight: d.share ?? 0 })),
    ['spec', 'prefix'],
  );
  for (const d of g.routing) {
    const self = d.mapping.resource;
    const parties = g.routing.map((o) => o.mapping.resource);
    ctx.report({
      code: 'EP200',
      message:
        `Mappings ${joinSome(parties, (o) => memberName(ctx, o, self))} will split ${route} ${sharesText(shares)}: Emissary merges Mappings that match ` +
        'the same requests into one route group and shares the traffic between them. If this is a canary, give ' +
        'each Mapping an explicit weight; otherwise change the prefix, host or headers of one of them.',
      subject: self,
      path: ['spec', 'prefix'],
      related: g.routing
        .filter((o) => o !== d)
        .slice(0, MAX_RELATED)
        .map((o) =>
          relatedAt(o.mapping.resource, ['spec', 'prefix'], `${describe(o.mapping.resource, ctx.names)} gets ${o.share ?? 0}%`),
        ),
      fix,
      groupIds: [g.group.groupId],
    });
  }
}

/** Groups larger than this get no "add weights" quick fix (one edit per member would be unreadable). */
const MAX_FIX_MEMBERS = 20;

/**
 * A quick fix that writes the current shares as explicit `weight:` lines, one per member, inserted above the
 * anchor key (same indentation). Returns undefined when a member is not written in block style.
 */
function weightFix(ctx: CheckContext, members: { resource: Resource; weight: number }[], anchor: JsonPath): QuickFix | undefined {
  if (members.length > MAX_FIX_MEMBERS) return undefined;
  const edits: TextEdit[] = [];
  for (const { resource, weight } of members) {
    const key = resource.locate(anchor, 'key');
    // Flow style (`spec: {prefix: ...}`): the mapping opens on the key's line, before the key.
    const parent = resource.locate(anchor.slice(0, -1), 'value');
    if (parent.start.line === key.start.line && parent.start.character < key.start.character) return undefined;
    const text = ctx.opts.textOf?.(resource.origin.uri);
    let eol = '\n';
    if (text !== undefined) {
      const at = lineAt(text, key.start.line);
      if (!at) return undefined;
      const before = at.text.slice(0, key.start.character);
      const keyText = at.text.slice(key.start.character, key.start.character + String(anchor[anchor.length - 1]).length);
      if (!/^\s*$/.test(before) || keyText !== anchor[anchor.length - 1]) return undefined;
      // The line break of the key's own line (part of the Mapping's document): a fix computed once stays right
      // for as long as the document's text is unchanged, whatever the rest of the file uses.
      eol = at.eol;
    }
    edits.push({
      uri: resource.origin.uri,
      range: { start: { line: key.start.line, character: 0 }, end: { line: key.start.line, character: 0 } },
      newText: `${' '.repeat(key.start.character)}weight: ${weight}${eol}`,
    });
  }
  return { title: `Make the split explicit: add weights ${members.map((m) => m.weight).join('/')}`, edits };
}

/** Line `line` (0-based) of `text` without its break, and the break it ends with (the one before it on the last line). */
function lineAt(text: string, line: number): { text: string; eol: string } | undefined {
  let start = 0;
  for (let i = 0; i < line; i++) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) return undefined;
    start = nl + 1;
  }
  const nl = text.indexOf('\n', start);
  const end = nl === -1 ? text.length : nl;
  const crlf = nl !== -1 ? text.charCodeAt(nl - 1) === 13 : start >= 2 && text.charCodeAt(start - 2) === 13;
  return { text: text.slice(start, crlf && nl !== -1 ? end - 1 : end), eol: crlf ? '\r\n' : '\n' };
}

function checkWeights(ctx: CheckContext, g: GroupDetail): void {
  const rejection = g.rejection;
  if (!rejection) return;
  const route = describeRoute(g);
  if (rejection.kind === 'weight-over-100') {
    const d = rejection.member;
    const self = d.mapping.resource;
    ctx.report({
      code: 'EP201',
      message:
        `weight ${d.mapping.rawWeight} is over 100: Emissary rejects the whole route group ${route} ` +
        `(Mappings ${joinSome(g.routing, (o) => memberName(ctx, o.mapping.resource, self))}), so none of them is served.`,
      subject: self,
      path: ['spec', 'weight'],
      related: g.routing.filter((o) => o !== d)
        .slice(0, MAX_RELATED)
        .map((o) => relatedAt(o.mapping.resource, ['spec', 'prefix'], `${describe(o.mapping.resource, ctx.names)} is in the same group`)),
      groupIds: [g.group.groupId],
    });
    return;
  }
  const { weighted, list } = weightedMembers(ctx, g);
  for (const d of weighted) {
    const self = d.mapping.resource;
    ctx.report({
      code: 'EP201',
      message:
        `The weights in the route group ${route} total ${rejection.total} (${list(self)}), over 100: ` +
        'Emissary rejects the whole group, so none of its Mappings is served.',
      subject: self,
      path: ['spec', 'weight'],
      related: weighted.filter((o) => o !== d)
        .slice(0, MAX_RELATED)
        .map((o) => relatedAt(o.mapping.resource, ['spec', 'weight'], `${describe(o.mapping.resource, ctx.names)}: weight ${o.mapping.rawWeight}`)),
      groupIds: [g.group.groupId],
    });
  }
}

function checkDrops(ctx: CheckContext, g: GroupDetail): void {
  if (!g.members.some((d) => d.drop)) return;
  const route = describeRoute(g);
  const ns = ctx.model.defaultNamespace;
  for (const d of g.members) {
    const drop = d.drop;
    if (!drop) continue;
    const self = d.mapping.resource;
    const other = drop.other.resource;
    const otherText = describe(other, ctx.names);
    if (drop.kind === 'core-key') {
      ctx.report({
        code: 'EP202',
        message:
          `Mapping ${qualifiedName(self, ns)} is dropped from the route group ${route}: its ${drop.key} setting (${drop.mine}) ` +
          `does not match that of the group's first member, ${otherText}: ${drop.theirs}. Emissary accepts a later Mapping ` +
          `into a group only when every core setting it sets (here ${drop.key}) matches the first member, so this ` +
          'Mapping serves no traffic. Use the same value in both, or change the prefix or host so they do not share a group.',
        subject: self,
        path: drop.path,
        related: [relatedAt(other, drop.otherPath, `${otherText}: ${drop.key} ${drop.theirs}`)],
        groupIds: [g.group.groupId],
      });
    } else if (drop.kind === 'redirect') {
      ctx.report({
        code: 'EP202',
        message:
          `Mapping ${qualifiedName(self, ns)} is dropped from the route group ${route}: host_redirect is ${drop.mine} here ` +
          `but ${drop.theirs} in ${otherText}, the group's first member. A host_redirect Mapping cannot share a group with ` +
          'normal Mappings, so this one is not served.',
        subject: self,
        path: drop.path,
        related: [relatedAt(other, drop.otherPath, `${otherText}: host_redirect ${drop.theirs}`)],
        groupIds: [g.group.groupId],
      });
    } else if (drop.kind === 'name-prefix') {
      const stem = d.mapping.name.split('.')[0];
      ctx.report({
        code: 'EP204',
        message:
          `Mapping ${qualifiedName(self, ns)} is silently skipped: Emissary keys Mappings by the part of the name before ` +
          `the first dot ("${stem}"), so it collides with ${otherText} in the same namespace and route group ${route}. ` +
          'Rename one of them without the dot (for example with a dash).',
        subject: self,
        path: ['metadata', 'name'],
        related: [relatedAt(other, ['metadata', 'name'], `${otherText} is the one Emissary keeps`)],
        groupIds: [g.group.groupId],
      });
    }
  }
}

function checkZeroShare(ctx: CheckContext, g: GroupDetail): void {
  const zero = zeroShareMembers(g);
  if (zero.length === 0) return;
  const ns = ctx.model.defaultNamespace;
  const { weighted, list } = weightedMembers(ctx, g);
  for (const d of zero) {
    const self = d.mapping.resource;
    ctx.report({
      code: 'EP203',
      message:
        `Mapping ${qualifiedName(self, ns)} gets 0% of ${describeRoute(g)}: the weighted Mappings (${list(self)}) ` +
        'already take 100%, and unweighted Mappings share only what is left. Give it a weight or lower the others.',
      subject: self,
      path: ['spec', 'prefix'],
      related: weighted.slice(0, MAX_RELATED).map((o) => relatedAt(o.mapping.resource, ['spec', 'weight'], `${describe(o.mapping.resource, ctx.names)}: weight ${o.mapping.rawWeight}`)),
      groupIds: [g.group.groupId],
    });
  }
}

function checkUnattached(ctx: CheckContext, g: GroupDetail): void {
  const hosts = ctx.model.hosts;
  if (hosts.length === 0 || g.hostEntries.length > 0) return;
  const ns = ctx.model.defaultNamespace;
  const first = g.members[0].mapping;
  const labelText = Object.keys(g.labels).length
    ? Object.entries(g.labels).map(([k, v]) => `${k}: ${v}`).join(', ')
    : 'none';
  let why: string;
  const host = first.host;
  if (!host) {
    why =
      `it has no hostname, and no Host's mappingSelector selects its labels (${labelText}), so Emissary never ` +
      'associates it with a Host and does not route it. Set hostname: or add the labels a Host selects.';
  } else if (host.regex) {
    why = `every Host's mappingSelector rejects its labels (${labelText}), so Emissary does not route it.`;
  } else {
    const globMatch = hosts.filter((h) => hostGlobsIntersect(h.hostname, host.value));
    why =
      globMatch.length === 0
        ? `its ${host.source === 'default' ? 'implicit host *' : `host ${host.value}`} matches none of the Hosts' hostnames` +
          (hosts.some((h) => h.matchLabels) ? ' and no Host selects it by labels' : '')
        : `Host${globMatch.length > 1 ? 's' : ''} ${joinSome(globMatch, (h) => `${h.namespace}/${h.name}`)} ` +
          `match${globMatch.length > 1 ? '' : 'es'} its host ${host.value} but ${globMatch.length > 1 ? 'their' : 'its'} ` +
          `mappingSelector requires labels it does not have (it has: ${labelText}); when a Host has a mappingSelector and the Mapping a host, both must match`;
    why += ', so Emissary does not route it.';
  }
  const hostList = hosts.slice(0, 10).map((h) => `${h.namespace}/${h.name} (${h.hostname})`);
  const more = hosts.length > 10 ? ` and ${hosts.length - 10} more` : '';
  for (const d of g.members) {
    if (d.drop) continue;
    const self = d.mapping.resource;
    ctx.report({
      code: 'EP220',
      message:
        `Mapping ${qualifiedName(self, ns)} (${describeRoute(g)}) attaches to no Host: ${why} ` +
        `Hosts in the workspace: ${hostList.join(', ')}${more}.`,
      subject: self,
      path: pathOfHost(d),
      related: hosts.slice(0, 10).map((h) => relatedAt(h.resource, ['spec', 'hostname'], `${describe(h.resource, ctx.names)}: hostname ${h.hostname}`)),
      groupIds: [g.group.groupId],
    });
  }
}

function pathOfHost(d: MemberDetail): JsonPath {
  const h = d.mapping.host;
  if (h && h.source !== 'default') return h.path;
  return ['metadata', 'name'];
}

function checkTcp(ctx: CheckContext, t: TcpGroupDetail): void {
  const where = `port ${t.route.port}${t.route.host ? ` for host ${t.route.host}` : ''}`;
  if (isAccidentalTcpSplit(t)) {
    const shares = t.members.map((m) => m.member.weight);
    const fix = weightFix(ctx, t.members.map((m) => ({ resource: m.mapping.resource, weight: m.member.weight })), ['spec', 'port']);
    for (const m of t.members) {
      const self = m.mapping.resource;
      ctx.report({
        code: 'EP200',
        message:
          `TCPMappings ${joinSome(t.members, (o) => memberName(ctx, o.mapping.resource, self))} will split ${where} ${sharesText(shares)}: ` +
          'Emissary groups TCPMappings by address, port and host and shares connections between them. Give each an explicit weight if this is intended.',
        subject: self,
        path: ['spec', 'port'],
        related: t.members.filter((o) => o !== m)
        .slice(0, MAX_RELATED)
        .map((o) => relatedAt(o.mapping.resource, ['spec', 'port'], `${describe(o.mapping.resource, ctx.names)} gets ${o.member.weight}%`)),
        fix,
      });
    }
  }
  const rejection = t.rejection;
  if (!rejection) return;
  const weighted = rejection.kind === 'weight-over-100' ? [t.members.find((m) => m.mapping === rejection.mapping)!] : t.members.filter((m) => m.mapping.rawWeight !== undefined);
  for (const m of weighted) {
    const self = m.mapping.resource;
    ctx.report({
      code: 'EP201',
      message:
        rejection.kind === 'weight-over-100'
          ? `weight ${m.mapping.rawWeight} is over 100: Emissary rejects the whole TCP group on ${where}.`
          : `The weights of the TCPMappings on ${where} total ${rejection.total}, over 100: Emissary rejects the whole group.`,
      subject: self,
      path: ['spec', 'weight'],
      related: t.members.filter((o) => o !== m)
        .slice(0, MAX_RELATED)
        .map((o) => relatedAt(o.mapping.resource, ['spec', 'port'], `${describe(o.mapping.resource, ctx.names)} is in the same group`)),
    });
  }
}
