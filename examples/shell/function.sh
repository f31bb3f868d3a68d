# The handler of the shell example: it greets whoever the event names.
handler() {
	name=$(printf '%s' "$1" | sed -n 's/.*"name" *: *"\([^"]*\)".*/\1/p')
	echo "greeting ${name:=world}" >&2
	printf '{"message": "Hello, %s!"}' "$name"
}
