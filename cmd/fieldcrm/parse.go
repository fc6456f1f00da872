package main

import (
	"context"
	"fmt"
	"io"
)

// runParse is replaced by the parser work (issue 3).
func runParse(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "fieldcrm parse: not built yet")
	return 1
}
