package lambda

import "strings"

// Runtimes is every runtime identifier the Lambda API model accepts, in the
// model's order (AWS quotes this list in its enum validation message).
var Runtimes = []string{
	"nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x",
	"nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x",
	"java8", "java8.al2", "java11", "java17", "java21", "java25",
	"python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11",
	"python3.12", "python3.13", "python3.14",
	"dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "dotnet10",
	"nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7", "ruby3.2", "ruby3.3", "ruby3.4", "ruby4.0",
	"provided", "provided.al2", "provided.al2023",
	"nodejs26.x", "python3.15", "java8.al2023", "java11.al2023", "java17.al2023",
}

// blockedRuntimes are identifiers AWS no longer accepts for creating or
// updating functions, each with the runtime AWS recommends instead.
var blockedRuntimes = map[string]string{
	"nodejs": "nodejs22.x", "nodejs4.3": "nodejs22.x", "nodejs6.10": "nodejs22.x",
	"nodejs8.10": "nodejs22.x", "nodejs10.x": "nodejs22.x", "nodejs12.x": "nodejs22.x",
	"nodejs14.x": "nodejs22.x", "nodejs16.x": "nodejs22.x", "nodejs4.3-edge": "nodejs22.x",
	"java8": "java21", "python2.7": "python3.13", "python3.6": "python3.13", "python3.7": "python3.13",
	"python3.8":     "python3.13",
	"dotnetcore1.0": "dotnet8", "dotnetcore2.0": "dotnet8", "dotnetcore2.1": "dotnet8",
	"dotnetcore3.1": "dotnet8", "dotnet6": "dotnet8",
	"go1.x": "provided.al2023", "provided": "provided.al2023",
	"ruby2.5": "ruby3.3", "ruby2.7": "ruby3.3",
}

// ValidateRuntime checks a Runtime parameter as CreateFunction and
// UpdateFunctionConfiguration do.
func ValidateRuntime(r string) error {
	known := false
	for _, id := range Runtimes {
		if id == r {
			known = true
			break
		}
	}
	if !known {
		return Errorf(ErrInvalidParameterValue,
			"Value %s at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [%s] or be a valid ARN",
			r, strings.Join(Runtimes, ", "))
	}
	if next, blocked := blockedRuntimes[r]; blocked {
		return Errorf(ErrInvalidParameterValue,
			"The runtime parameter of %s is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (%s) while creating or updating functions.",
			r, next)
	}
	return nil
}

// IsCustomRuntime reports whether r runs the zip's own bootstrap.
func IsCustomRuntime(r string) bool {
	return strings.HasPrefix(r, "provided")
}
