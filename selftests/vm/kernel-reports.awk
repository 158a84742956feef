# The bad lines of a guest's kernel log (check.sh): every line matching `re` (-v re=...),
# except those of a complete report (from its first bad line to "---[ end trace") raised
# in one of the guest's NFS server threads ("Comm: nfsd": the tests' fixture, never
# recallfs code) with no recallfs frame in it. Those are the server's own bugs (5.10's
# nfsd_read has underflowed an nfsd_file refcount under stress_test) and are printed
# with a "server: " prefix, for check.sh to show without counting. The same rule as
# klog_scan() in selftests/recallfs/rig.c.
function end_report(complete,   i, server) {
	server = complete && nfsd && !ours
	for (i = 1; i <= n; i++)
		if (isbad[i])
			print (server ? "server: " : "") text[i]
	n = 0; nfsd = 0; ours = 0
}
{
	msg = $0
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", msg)
	if (!n && $0 !~ re)
		next
	text[++n] = $0
	isbad[n] = $0 ~ re
	if (msg ~ / Comm: nfsd /)
		nfsd = 1
	if (msg ~ /recallfs/ && msg !~ /^Modules linked in:/)
		ours = 1
	if (msg ~ /---\[ end trace/)
		end_report(1)
}
END { end_report(0) }
