/**
 * Models and datasets are the same shape: a named container with versions that contain
 * datums. Models number their versions (model://fraud/3) and carry an approval status;
 * datasets name theirs (dataset://big-data/processed).
 */
export interface VersionKind {
  owner: 'Model' | 'Dataset';
  version: 'ModelVersion' | 'DatasetVersion';
  scheme: 'model' | 'dataset';
}

export const MODEL: VersionKind = { owner: 'Model', version: 'ModelVersion', scheme: 'model' };
export const DATASET: VersionKind = { owner: 'Dataset', version: 'DatasetVersion', scheme: 'dataset' };
