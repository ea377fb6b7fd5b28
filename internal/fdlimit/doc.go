// Package fdlimit derives the default connection cap of the module's
// servers from the process's descriptor limit.
package fdlimit
