import type { Executor, Query } from '../db/executor.js';
import { aliasesByNameQuery, datumsByUriQuery } from '../db/cypher/datums.js';
import { badInput, notFound } from '../domain/errors.js';
import { parseRef } from '../domain/uris.js';
import type { Entity } from '../db/records.js';
import type { Loaders } from '../loaders/index.js';
import { listPage } from './lists.js';
import { datumsWhere } from '../db/cypher/lists.js';
import type { DatumFilter } from '../domain/filters.js';
import type { AliasService } from './aliases.js';
import { checked, checkSha256 } from '../domain/validation.js';
import { parseDateTime } from '../scalars/validators.js';

/**
 * The one node a query finds by a key that is unique only within a project (aliases,
 * version URIs, external URIs); found in several of the token's projects, the caller must
 * choose one.
 */
export async function findInProject(executor: Executor, query: Query, what: string): Promise<Entity | null> {
  const rows = await executor.query(query);
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

  /**
   * `datum(id)` or `datum(uri)`: `datum://<id>`, `datum://<alias>`, or an external URI. At
   * `asOf` an alias resolves where it pointed then, and any datum recorded after that time
   * is not there yet (null).
   */
  async find(args: { id?: string | null; uri?: string | null; project?: string | null; asOf?: string | null }): Promise<Entity | null> {
    if (!!args.id === !!args.uri) throw badInput('datum takes exactly one of id and uri', { field: 'id' });
    const asOf = args.asOf ? checked('asOf', parseDateTime, args.asOf) : null;
    const then = (datum: Entity | null) => (datum && asOf && datum.createdAt > asOf ? null : datum);
    if (args.id) return then(this.datumOrNull(await this.loaders.nodeById.load(args.id)));
    const ref = parseRef(args.uri!, 'uri');
    switch (ref.kind) {
      case 'datumId':
        return then(this.datumOrNull(await this.loaders.nodeById.load(ref.id)));
      case 'alias': {
        // as of a time, the alias's move history decides; now, its current target
        const alias = await findInProject(this.executor, aliasesByNameQuery(ref.name, args.project ?? null), `Alias 'datum://${ref.name}'`);
        if (!alias) return null;
        const target = asOf ? await this.aliases.targetAsOf(alias.id, asOf) : await this.loaders.single('aliasTarget', alias.id).then((d) => d?.id ?? null);
        return target ? this.datumOrNull(await this.loaders.nodeById.load(target)) : null;
      }
      case 'external':
        return then(await findInProject(this.executor, datumsByUriQuery(ref.uri, args.project ?? null), `Datum '${ref.uri}'`));
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
    return listPage(this.executor, 'Datum', datumsWhere(filter), first, after);
  }

  private datumOrNull(node: Entity | null): Entity | null {
    return node?.labels.includes('Datum') ? node : null;
  }
}
