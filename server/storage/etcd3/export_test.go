package etcd3

// Compact is compact, for tests.
var Compact = compact
