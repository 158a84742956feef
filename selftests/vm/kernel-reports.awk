# The bad lines of a guest's kernel log (check.sh): every line matching `re` (-v re=...),
# except those of one kind of report: a WARNING raised in one of the guest's NFS server
# threads (its "Comm:" line names the WARNING's PID and nfsd: the tests' fixture, never
# recallfs code), complete up to its "---[ end trace", with no recallfs frame and no bad
# line but its own WARNING and "Call Trace". Those are the server's own bugs (5.10's
# nfsd_read has underflowed an nfsd_file refcount under stress_test) and are printed with
# a "server: " prefix, for check.sh to show without counting. Any other bad line, one that
# opens a new report while one is open included, counts. The same rule as klog_scan() in
# selftests/recallfs/rig.c.
function end_report(complete,   i, server) {
	server = complete && nfsd && !ours
	for (i = 1; i <= n; i++)
		if (isbad[i])
			print (server ? "server: " : "") text[i]
	n = 0; nfsd = 0; ours = 0; pid = ""
}
{
	msg = $0
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", msg)
	bad = $0 ~ re
	trace = msg ~ /^Call Trace/
	if (n && bad && !trace)
		end_report(0)
	if (!n && !bad)
		next
	# Only a report that opens with a WARNING has a pid, and only it can be the server's.
	if (!n && msg ~ /^WARNING: CPU: [0-9]+ PID: [0-9]+ /) {
		pid = msg
		sub(/^WARNING: CPU: [0-9]+ PID: /, "", pid)
		sub(/ .*/, "", pid)
	}
	text[++n] = $0
	isbad[n] = bad
	if (pid != "" && msg ~ ("^CPU: [0-9]+ (UID: [0-9]+ )?PID: " pid " Comm: nfsd "))
		nfsd = 1
	if (msg ~ /recallfs/ && msg !~ /^Modules linked in:/)
		ours = 1
	if (msg ~ /---\[ end trace/)
		end_report(1)
}
END { end_report(0) }
