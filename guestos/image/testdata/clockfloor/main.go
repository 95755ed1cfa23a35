// Command clockfloor prints pid1.ClockFloor as Unix seconds, for the test
// that the image build's SOURCE_DATE_EPOCH stamp reaches dstack-init.
package main

import (
	"fmt"
	"os"

	"github.com/dstack-go/dstack/guestos/pid1"
)

func main() {
	t, err := pid1.ClockFloor()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(t.Unix())
}
