// Static checks of deploy/kubernetes and deploy/container/Dockerfile, run by deploy/check.sh.
//
//   node deploy/tools/check-deploy.mjs manifests            every check below; exit 1 on any failure
//   node deploy/tools/check-deploy.mjs entrypoint-dll       prints the dll the Dockerfile's ENTRYPOINT runs
//   node deploy/tools/check-deploy.mjs publish-output DIR   the ENTRYPOINT dll and its runtimeconfig in DIR
//
// YAML is parsed with YAML 1.1 rules, as Kubernetes reads it (so `value: yes` is a boolean there too).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';

const toolsDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(toolsDir, '..', '..');
const k8sDir = join(repoRoot, 'deploy', 'kubernetes');
const dockerfilePath = join(repoRoot, 'deploy', 'container', 'Dockerfile');
const gridHostOptionsPath = join(repoRoot, 'src', 'OrleansOrders.Silo', 'Hosting', 'GridHostOptions.cs');

const failures = [];
let passed = 0;
function check(condition, message) {
  if (condition) {
    passed++;
  } else {
    failures.push(message);
  }
  return condition;
}
const rel = (p) => relative(repoRoot, p);
const isMapping = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// ---- Dockerfile ---------------------------------------------------------------------------------

function readDockerfile() {
  // Join continuation lines, drop comments and blanks: one instruction per entry.
  const text = readFileSync(dockerfilePath, 'utf8').replace(/\\\r?\n/g, ' ');
  return text.split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\S+)\s*(.*)$/.exec(l);
      return { op: m[1].toUpperCase(), args: m[2] };
    });
}

function finalStage(instructions) {
  const lastFrom = instructions.map((i) => i.op).lastIndexOf('FROM');
  return lastFrom < 0 ? [] : instructions.slice(lastFrom);
}

function entrypoint(instructions) {
  const entries = finalStage(instructions).filter((i) => i.op === 'ENTRYPOINT');
  if (entries.length === 0) {
    return { error: 'has no ENTRYPOINT in its final stage' };
  }
  let argv;
  try {
    argv = JSON.parse(entries[entries.length - 1].args);
  } catch {
    return { error: 'ENTRYPOINT is not in exec (JSON array) form' };
  }
  if (!Array.isArray(argv) || argv.length !== 2 || argv[0] !== 'dotnet' || !/^[\w.]+\.dll$/.test(argv[1] ?? '')) {
    return { error: `ENTRYPOINT must be ["dotnet", "<assembly>.dll"], not ${JSON.stringify(argv)}` };
  }
  return { dll: argv[1] };
}

function checkDockerfile(expected) {
  const where = rel(dockerfilePath);
  if (!check(existsSync(dockerfilePath), `${where} does not exist`)) {
    return;
  }
  const stage = finalStage(readDockerfile());
  const from = stage[0]?.args.split(/\s+/)[0];
  check(from === 'mcr.microsoft.com/dotnet/aspnet:10.0', `${where}: the final stage must be FROM mcr.microsoft.com/dotnet/aspnet:10.0, not ${from}`);
  check(stage.some((i) => i.op === 'COPY' && /^(--\S+\s+)*\.?\/?publish\/?\s/.test(i.args)),
    `${where}: the final stage must COPY the publish output (publish/, built by deploy/container/publish.sh)`);
  const users = stage.filter((i) => i.op === 'USER').map((i) => i.args.trim());
  const user = users[users.length - 1];
  check(user !== undefined && !/^(root|0)(:.*)?$/.test(user), `${where}: the final stage must switch to a non-root USER (found ${user ?? 'none'})`);
  const exposed = new Set(stage.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/)).map((p) => p.replace(/\/tcp$/, '')));
  for (const [name, port] of Object.entries(expected.ports).filter(([, port]) => port !== undefined)) {
    check(exposed.has(String(port)), `${where}: EXPOSE must include the ${name} port ${port} (exposes ${[...exposed].join(' ') || 'nothing'})`);
  }
  const env = stage.filter((i) => i.op === 'ENV').map((i) => i.args).join(' ');
  const httpPort = expected.ports.http ?? 8080;
  check(new RegExp(`(^|\\s)Urls=http://\\+:${httpPort}(\\s|$)`).test(env),
    `${where}: ENV Urls=http://+:${httpPort} (appsettings.json binds localhost only)`);
  const ep = entrypoint(stage);
  check(!ep.error, `${where}: ${ep.error}`);
}

// ---- Kubernetes manifests -----------------------------------------------------------------------

function loadManifests() {
  const files = readdirSync(k8sDir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const docs = [];
  for (const file of files) {
    const path = join(k8sDir, file);
    let parsed;
    try {
      parsed = yaml.loadAll(readFileSync(path, 'utf8'), { schema: yaml.YAML11_SCHEMA });
    } catch (e) {
      check(false, `${rel(path)} is not valid YAML: ${e.message.split('\n')[0]}`);
      continue;
    }
    check(true, '');
    parsed.forEach((doc, index) => {
      if (doc === null || doc === undefined) {
        return; // an empty document (a trailing ---)
      }
      const where = `${rel(path)} document ${index + 1}`;
      if (!check(isMapping(doc), `${where} is not a mapping`)) {
        return;
      }
      check(typeof doc.apiVersion === 'string' && doc.apiVersion.length > 0, `${where} has no apiVersion`);
      check(typeof doc.kind === 'string' && doc.kind.length > 0, `${where} has no kind`);
      const name = doc.metadata?.name;
      check(typeof name === 'string' && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) && name.length <= 253,
        `${where} (${doc.kind}) has no valid metadata.name (lower-case DNS name), got ${JSON.stringify(name)}`);
      docs.push({ file, where: `${rel(path)} ${doc.kind}/${name}`, doc });
    });
  }
  return { files, docs };
}

function gridHostSettings() {
  // The settings the silo binds from section GridHost: public settable properties of GridHostOptions.
  const source = readFileSync(gridHostOptionsPath, 'utf8');
  const cls = source.slice(source.indexOf('class GridHostOptions'), source.indexOf('class DemoOptions'));
  return new Set([...cls.matchAll(/public\s+[\w<>?,\s]+?\s+(\w+)\s*\{\s*get;\s*set;/g)].map((m) => m[1]));
}

function envValue(env, name) {
  return env.find((e) => e.name === name);
}

function checkManifests() {
  const { files, docs } = loadManifests();
  const byKind = (kind) => docs.filter((d) => d.doc.kind === kind);
  const one = (kind) => {
    const found = byKind(kind);
    check(found.length === 1, `expected exactly one ${kind} in deploy/kubernetes, found ${found.length}`);
    return found[0];
  };

  // Namespace and kustomization.
  const ns = one('Namespace');
  const namespace = ns?.doc.metadata.name;
  const kustomization = one('Kustomization');
  const templates = files.filter((f) => /\.example\.ya?ml$/.test(f));
  if (kustomization) {
    const k = kustomization.doc;
    check(k.namespace === namespace, `${kustomization.where}: namespace must be ${namespace}`);
    const resources = Array.isArray(k.resources) ? k.resources : [];
    for (const r of resources) {
      check(existsSync(join(k8sDir, r)), `${kustomization.where}: resource ${r} does not exist`);
    }
    for (const f of files.filter((f) => f !== kustomization.file && !templates.includes(f))) {
      check(resources.includes(f), `${kustomization.where}: ${f} is not listed in resources`);
    }
    for (const t of templates) {
      check(!resources.includes(t), `${kustomization.where}: the template ${t} must not be listed (applying it would overwrite the real secret)`);
    }
  }
  for (const d of docs.filter((d) => !['Namespace', 'Kustomization'].includes(d.doc.kind))) {
    check(d.doc.metadata.namespace === namespace, `${d.where}: metadata.namespace must be ${namespace}`);
  }

  // Secret template: the keys the Deployment refers to, with placeholder values only.
  const secret = one('Secret');
  const secretData = { ...(secret?.doc.stringData ?? {}), ...(secret?.doc.data ?? {}) };
  if (secret) {
    check(templates.includes(secret.file), `${secret.where}: the Secret must live in a *.example.yaml template, not in an applied manifest`);
    for (const [key, value] of Object.entries(secretData)) {
      check(typeof value === 'string' && value.startsWith('REPLACE ME'), `${secret.where}: ${key} must be a "REPLACE ME ..." placeholder, never a real secret`);
    }
  }

  // RBAC: what Microsoft.Orleans.Hosting.Kubernetes does with pods.
  const sa = one('ServiceAccount');
  const role = one('Role');
  const binding = one('RoleBinding');
  if (role) {
    const podVerbs = new Set((role.doc.rules ?? [])
      .filter((r) => (r.apiGroups ?? []).includes('') && (r.resources ?? []).includes('pods'))
      .flatMap((r) => r.verbs ?? []));
    for (const verb of ['get', 'list', 'watch', 'patch', 'delete']) {
      check(podVerbs.has(verb), `${role.where}: pods need the verb ${verb}`);
    }
  }
  if (binding && sa && role) {
    check(binding.doc.roleRef?.kind === 'Role' && binding.doc.roleRef?.name === role.doc.metadata.name,
      `${binding.where}: roleRef must name Role ${role.doc.metadata.name}`);
    check((binding.doc.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === sa.doc.metadata.name && s.namespace === namespace),
      `${binding.where}: subjects must include ServiceAccount ${sa.doc.metadata.name} in ${namespace}`);
  }

  // Deployment.
  const deployment = one('Deployment');
  const expected = { ports: {} };
  if (!deployment) {
    return expected;
  }
  const where = deployment.where;
  const spec = deployment.doc.spec ?? {};
  const pod = spec.template?.metadata ?? {};
  const podSpec = spec.template?.spec ?? {};
  const labels = pod.labels ?? {};
  check(spec.replicas === 3, `${where}: replicas must be 3, not ${spec.replicas}`);
  const selector = spec.selector?.matchLabels ?? {};
  check(Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v),
    `${where}: selector.matchLabels must match the pod template's labels`);
  for (const label of ['orleans/serviceId', 'orleans/clusterId']) {
    check(typeof labels[label] === 'string' && labels[label].length > 0, `${where}: the pod template needs the label ${label} (Orleans' Kubernetes hosting selects its pods by it)`);
  }
  check(sa && podSpec.serviceAccountName === sa.doc.metadata.name, `${where}: serviceAccountName must be ${sa?.doc.metadata.name}`);
  const containers = podSpec.containers ?? [];
  if (!check(containers.length === 1, `${where}: expected one container, found ${containers.length}`)) {
    return expected;
  }
  const c = containers[0];
  const env = c.env ?? [];
  const names = env.map((e) => e.name);
  check(new Set(names).size === names.length, `${where}: duplicate env names: ${names.filter((n, i) => names.indexOf(n) !== i).join(', ')}`);
  for (const e of env) {
    check(('value' in e) !== ('valueFrom' in e), `${where}: env ${e.name} needs exactly one of value and valueFrom`);
    check(!('value' in e) || typeof e.value === 'string', `${where}: env ${e.name} must be a string (quote it), got ${JSON.stringify(e.value)}`);
  }
  const fieldRefs = {
    POD_NAME: 'metadata.name',
    POD_NAMESPACE: 'metadata.namespace',
    POD_IP: 'status.podIP',
    ORLEANS_SERVICE_ID: "metadata.labels['orleans/serviceId']",
    ORLEANS_CLUSTER_ID: "metadata.labels['orleans/clusterId']",
  };
  for (const [name, path] of Object.entries(fieldRefs)) {
    check(envValue(env, name)?.valueFrom?.fieldRef?.fieldPath === path, `${where}: env ${name} must come from fieldRef ${path}`);
  }
  const literals = {
    GridHost__Kubernetes: 'true',
    GridHost__Clustering: 'AzureStorage',
    GridHost__Storage: 'AzureStorage',
    Urls: 'http://+:8080',
  };
  for (const [name, value] of Object.entries(literals)) {
    check(envValue(env, name)?.value === value, `${where}: env ${name} must be "${value}"`);
  }
  const connection = envValue(env, 'GridHost__AzureStorageConnectionString')?.valueFrom?.secretKeyRef;
  check(connection !== undefined, `${where}: env GridHost__AzureStorageConnectionString must come from a secretKeyRef`);
  // Every GridHost__X the pod sets is a setting the silo reads (catches a typo the silo would ignore).
  const settings = gridHostSettings();
  check(settings.has('Kubernetes') && settings.has('Clustering'), `${rel(gridHostOptionsPath)}: could not read GridHostOptions' settings`);
  for (const name of names.filter((n) => n.startsWith('GridHost__'))) {
    check(settings.has(name.slice('GridHost__'.length)), `${where}: env ${name} is not a GridHost setting the silo reads (${[...settings].join(', ')})`);
  }
  // Outside Development the grid needs API keys: name, key and role per key.
  const keyNames = new Set(names.map((n) => /^Auth__Keys__([^_]+)__(Key|Role)$/.exec(n)?.[1]).filter(Boolean));
  check(keyNames.size > 0, `${where}: no Auth__Keys__<name>__Key / __Role: the grid refuses to start without API keys outside Development`);
  for (const k of keyNames) {
    check(envValue(env, `Auth__Keys__${k}__Key`)?.valueFrom?.secretKeyRef !== undefined, `${where}: env Auth__Keys__${k}__Key must come from a secretKeyRef`);
    check(/^(storefront|operator)(,(storefront|operator))*$/.test(envValue(env, `Auth__Keys__${k}__Role`)?.value ?? ''), `${where}: env Auth__Keys__${k}__Role must be storefront and/or operator`);
  }
  for (const e of env.filter((e) => e.valueFrom?.secretKeyRef)) {
    const ref = e.valueFrom.secretKeyRef;
    check(secret && ref.name === secret.doc.metadata.name && ref.key in secretData,
      `${where}: env ${e.name} refers to secret ${ref.name} key ${ref.key}, which the template ${secret?.file} does not define`);
  }
  // Ports: container ports, the GridHost ports and the HTTP port agree.
  const portsByName = Object.fromEntries((c.ports ?? []).map((p) => [p.name, p.containerPort]));
  expected.ports = { http: portsByName.http, silo: portsByName.silo, gateway: portsByName.gateway };
  check(portsByName.http === 8080, `${where}: container port "http" must be 8080 (Urls=http://+:8080)`);
  check(String(portsByName.silo) === envValue(env, 'GridHost__SiloPort')?.value, `${where}: container port "silo" must equal env GridHost__SiloPort`);
  check(String(portsByName.gateway) === envValue(env, 'GridHost__GatewayPort')?.value, `${where}: container port "gateway" must equal env GridHost__GatewayPort`);
  // Probes and resources.
  for (const probe of ['readinessProbe', 'livenessProbe']) {
    const get = c[probe]?.httpGet;
    check(get?.path === '/health' && (get?.port === 'http' || get?.port === 8080), `${where}: ${probe} must GET /health on the http port`);
  }
  check(c.resources?.requests?.cpu !== undefined && c.resources?.requests?.memory !== undefined, `${where}: resources.requests needs cpu and memory`);
  check(typeof c.image === 'string' && c.image.length > 0, `${where}: the container has no image`);
  const images = kustomization?.doc.images ?? [];
  check(images.some((i) => i.name === c.image), `${kustomization?.where}: images must map the Deployment's image ${c.image}`);

  // Services.
  const services = byKind('Service');
  const http = services.find((s) => (s.doc.spec?.ports ?? []).some((p) => p.port === 80));
  if (check(http !== undefined, 'expected a Service with port 80 for the HTTP API')) {
    const p = http.doc.spec.ports.find((p) => p.port === 80);
    check(p.targetPort === 'http' || p.targetPort === 8080, `${http.where}: port 80 must target the container's http port (8080)`);
  }
  for (const s of services) {
    const sel = s.doc.spec?.selector ?? {};
    check(Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v), `${s.where}: selector must match the Deployment's pod labels`);
  }
  return expected;
}

// ---- main ---------------------------------------------------------------------------------------

const [mode = 'manifests', arg] = process.argv.slice(2);
if (mode === 'entrypoint-dll') {
  const ep = entrypoint(finalStage(readDockerfile()));
  if (ep.error) {
    console.error(`${rel(dockerfilePath)}: ${ep.error}`);
    process.exit(1);
  }
  console.log(ep.dll);
} else if (mode === 'publish-output') {
  const dir = arg;
  const ep = entrypoint(finalStage(readDockerfile()));
  if (check(!ep.error, `${rel(dockerfilePath)}: ${ep.error}`)) {
    const dll = join(dir, ep.dll);
    if (check(existsSync(dll), `the Dockerfile's ENTRYPOINT runs ${ep.dll}, which is not in the publish output ${dir}`)) {
      const runtimeConfig = dll.replace(/\.dll$/, '.runtimeconfig.json');
      if (check(existsSync(runtimeConfig), `${runtimeConfig} is missing: ${ep.dll} is not a runnable app`)) {
        const opts = JSON.parse(readFileSync(runtimeConfig, 'utf8')).runtimeOptions ?? {};
        const frameworks = [opts.framework, ...(opts.frameworks ?? [])].filter(Boolean);
        const aspnet = frameworks.find((f) => f.name === 'Microsoft.AspNetCore.App');
        check(aspnet !== undefined && aspnet.version?.startsWith('10.'),
          `${runtimeConfig}: needs Microsoft.AspNetCore.App 10.x, what the aspnet:10.0 base image has (found ${JSON.stringify(frameworks)})`);
      }
    }
  }
  if (failures.length === 0) {
    console.log(`OK: ${ep.dll} (the Dockerfile's ENTRYPOINT) is in ${dir} and runs on Microsoft.AspNetCore.App 10`);
  }
} else if (mode === 'manifests') {
  const expected = checkManifests();
  checkDockerfile(expected);
  if (failures.length === 0) {
    console.log(`OK: ${passed} checks of deploy/kubernetes/*.yaml and deploy/container/Dockerfile`);
  }
} else {
  console.error(`unknown mode ${mode}: manifests | entrypoint-dll | publish-output DIR`);
  process.exit(2);
}
if (failures.length > 0) {
  for (const f of failures) {
    console.error(`FAIL: ${f}`);
  }
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
