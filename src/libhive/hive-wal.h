/* hive-wal.h - a SQLite VFS for the hive's queue database: the appends of a transaction to its
 * WAL reach the kernel in one write at its commit.  Registered once, owned by SQLite. */
#ifndef QTM_HIVE_WAL_H
#define QTM_HIVE_WAL_H

/* The name of a VFS that hands each transaction's WAL appends to the kernel in one write at its
 * commit, instead of two per page (registered on first call; NULL: use the default VFS).  Not
 * thread-safe: call it from the thread that opens the database. */
const char *qtm_hive_wal_vfs(void);

#endif
