// Kept so tests written against the old path keep working: the helpers live in @chatchat/server/testing.
export { runCli, startCluster, startNode, type Cluster, type NodeProcess } from '@chatchat/server/testing';
