/* hive-sysinfo.h - the host's load for the hive's /status: CPU, memory and disk use in percent.
 *
 * Reads /proc/stat (the CPU use since the previous call; the first call samples 100 ms),
 * /proc/meminfo and statvfs().  Safe to call from several threads.  No pointer is kept. */
#ifndef QTM_HIVE_SYSINFO_H
#define QTM_HIVE_SYSINFO_H

/* Fills the three percentages (0..100) for disk_path's file system ("/" when NULL).  Returns 0,
 * or a negative errno when one could not be read (the others are still filled, the unreadable
 * ones set to 0); it sets no context message since it takes none: the caller names the object. */
int qtm_hive_sysinfo(double *cpu_percent, double *mem_percent, double *disk_percent,
    const char *disk_path);

#endif
