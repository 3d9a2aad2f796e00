import type { Executor } from '../db/executor.js';
import { badInput, notFound } from '../domain/errors.js';
import { parseRef } from '../domain/uris.js';
import type { Entity, Loaders } from '../loaders/index.js';
import { commonWhere, listPage, type CommonFilter } from './lists.js';
import type { AliasService } from './aliases.js';
import { checked, checkSha256 } from '../domain/validation.js';
import { parseDateTime } from '../scalars/validators.js';
import { visible } from '../db/cypher/scope.js';

export interface DatumFilter extends CommonFilter {
  producer?: string | null;
  pathPrefix?: string | null;
  sha256?: string | null;
}

/** Finds a node by a key that is unique only within a project (aliases, version URIs). */
export async function findInProject(executor: Executor, cypher: string, params: Record<string, unknown>, what: string, project?: string | null): Promise<Entity | null> {
  const rows = await executor.query({ cypher, params: { ...params, project: project ?? null } });
  if (rows.length > 1) {
    const projects = rows.map((r) => r.project).join(', ');
    throw badInput(`${what} exists in several projects (${projects}); pass project to choose one`, { field: 'project' });
  }
  return rows[0]?.n ?? null;
}

export class DatumService {
  constructor(
    private readonly executor: Executor,
    private readonly loaders: Loaders,
    private readonly aliases: AliasService,
  ) {}

  /** `datum(id)` or `datum(uri)`: `datum://<id>`, `datum://<alias>` (now), or an external URI. */
  async find(args: { id?: string | null; uri?: string | null; project?: string | null; asOf?: string | null }): Promise<Entity | null> {
    if (!!args.id === !!args.uri) throw badInput('datum takes exactly one of id and uri', { field: 'id' });
    if (args.asOf && !args.uri?.toLowerCase().startsWith('datum://')) throw badInput('asOf applies to datum://<alias> URIs', { field: 'asOf' });
    if (args.id) return this.datumOrNull(await this.loaders.nodeById.load(args.id));
    const ref = parseRef(args.uri!, 'uri');
    switch (ref.kind) {
      case 'datumId':
        return this.datumOrNull(await this.loaders.nodeById.load(ref.id));
      case 'alias': {
        // as of a time, the alias's move history decides; now, its current target
        const alias = await findInProject(
          this.executor,
          `MATCH (n:Alias {name: $name}) WHERE ($project IS NULL OR n.project = $project) AND ${visible('n')} RETURN n, n.project AS project`,
          { name: ref.name },
          `Alias 'datum://${ref.name}'`,
          args.project,
        );
        if (!alias) return null;
        const target = args.asOf ? await this.aliases.targetAsOf(alias.id, checked('asOf', parseDateTime, args.asOf)) : await this.loaders.single('aliasTarget', alias.id).then((d) => d?.id ?? null);
        return target ? this.datumOrNull(await this.loaders.nodeById.load(target)) : null;
      }
      case 'external':
        return findInProject(
          this.executor,
          `MATCH (n:Datum {uri: $uri}) WHERE ($project IS NULL OR n.project = $project) AND ${visible('n')} RETURN n, n.project AS project`,
          { uri: ref.uri },
          `Datum '${ref.uri}'`,
          args.project,
        );
      default:
        throw badInput(`uri must be a datum:// or external URI, got '${args.uri}'; use modelVersion or datasetVersion for versions`, { field: 'uri' });
    }
  }

  async require(id: string): Promise<Entity> {
    const datum = this.datumOrNull(await this.loaders.nodeById.load(id));
    if (!datum) throw notFound('Datum', id);
    return datum;
  }

  list(filter: DatumFilter | null | undefined, first?: number | null, after?: string | null) {
    const where = commonWhere(filter);
    if (filter?.producer) where.add('EXISTS { (n)-[:PRODUCED_BY]->(:Execution {id: $producer}) }', { producer: filter.producer });
    if (filter?.pathPrefix) where.add('n.path STARTS WITH $pathPrefix', { pathPrefix: filter.pathPrefix });
    // an empty string is a bad hash, not an absent filter: it must not list every datum
    if (filter?.sha256 != null) where.add('n.sha256 = $sha256', { sha256: checkSha256('filter.sha256', filter.sha256) });
    return listPage(this.executor, 'Datum', where, first, after);
  }

  private datumOrNull(node: Entity | null): Entity | null {
    return node?.labels.includes('Datum') ? node : null;
  }
}
