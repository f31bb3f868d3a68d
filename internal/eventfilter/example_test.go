package eventfilter_test

import (
	"fmt"

	"github.com/nubo-dev/nubo/internal/eventfilter"
)

// A bus holds its rules' patterns in a Machine and matches each event once.
func ExampleMachine() {
	var bus eventfilter.Machine
	for id, pattern := range map[string]string{
		"ec2-terminated": `{"source": ["aws.ec2"], "detail": {"state": ["terminated"]}}`,
		"big-orders":     `{"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}`,
	} {
		p, err := eventfilter.Compile([]byte(pattern))
		if err != nil {
			panic(err)
		}
		bus.Add(id, p)
	}
	ids, _ := bus.MatchJSON([]byte(`{"source": "shop", "detail": {"total": 250}}`))
	fmt.Println(ids)

	// EventBridge's InvalidEventPatternException message:
	_, err := eventfilter.Compile([]byte(`{"source": "aws.ec2"}`))
	fmt.Println("Event pattern is not valid. Reason: " + err.Error())
	// Output:
	// [big-orders]
	// Event pattern is not valid. Reason: "source" must be an object or an array
	//  at [Source: (String)"{"source": "aws.ec2"}"; line: 1, column: 13]
}
