# Deno's " ERRORS " section: "name => file:line:col" then the error's lines,
# until " FAILURES ". One block per failed test, its first lines only, so a CI
# log whose head is cut still ends with why each test failed.
/^ ERRORS $/ { inside = 1; next }
/^ FAILURES $/ { inside = 0 }
!inside { next }
/ => .*:[0-9]+:[0-9]+$/ { print "--- " $0; kept = 0; next }
/^[[:space:]]*$/ { next }
/^[[:space:]]+at / { next }
kept < MAX { print "    " substr($0, 1, 300); kept++ }
