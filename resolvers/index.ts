import { guard } from './guard.js';
import { scalarResolvers } from '../src/scalars/index.js';
import { Alias, AliasMove } from './alias.js';
import { Datum } from './datum.js';
import { Execution } from './execution.js';
import { LineageNode } from './lineage.js';
import { MetadataEntry } from './metadata.js';
import { Mutation } from './mutation.js';
import { Node } from './node.js';
import { Query } from './query.js';
import { Subscription } from './subscription.js';
import { Tag } from './tag.js';
import { Dataset, DatasetVersion, Model, ModelVersion } from './versions.js';

export const resolvers = {
  ...scalarResolvers,
  Query: guard('query', Query),
  Mutation: guard('mutation', Mutation),
  Subscription,
  AuditEntry: { at: (n: { createdAt: string }) => n.createdAt },
  Node,
  Datum,
  Execution,
  Alias,
  AliasMove,
  Tag,
  Model,
  ModelVersion,
  Dataset,
  DatasetVersion,
  LineageNode,
  MetadataEntry,
};
