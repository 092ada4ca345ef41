# man/keys.awk EXAMPLE TEMPLATE: print the scp.conf(5) TEMPLATE with its @KEYS@ line
# replaced by one .TP entry per key of EXAMPLE (`scpctl example-config`: each key is a
# "# help" line followed by "#key = default").
function roff(s) {
	gsub(/\\/, "\\e", s)
	gsub(/\342\200\246/, "\\[u2026]", s)	# the ellipsis, in UTF-8
	gsub(/-/, "\\-", s)
	return s
}
FNR == NR {
	if ($0 ~ /^#[a-z0-9_]+ =/) {
		key = substr($0, 2, index($0, " =") - 2)
		def = substr($0, index($0, " =") + 2)
		sub(/^ /, "", def)
		secret = sub(/ \(secret\)$/, "", help)
		keys = keys ".TP\n.B " key "\n" roff(help) ".\n"
		if (secret)
			keys = keys "A secret: \\fBscpctl check\\-config\\fR shows only whether it is set.\n"
		keys = keys (def == "" ? "Default: empty.\n" : "Default: \\fB" roff(def) "\\fR.\n")
	} else if ($0 ~ /^# /) {
		help = substr($0, 3)
	}
	next
}
$0 == "@KEYS@" { printf "%s", keys; next }
{ print }
