/**
 * The project predicate: whether node `v` belongs to a project the request's token may
 * read. The executor sets `$scope` on every statement (null for a token of every project)
 * and refuses a statement that neither uses it nor is pinned to a checked `$project`.
 */
export const visible = (v: string) => `($scope IS NULL OR ${v}.project IN $scope)`;
