package pgstore_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain lets more tests run at once than the machine has cores (go
// test's default): each waits mostly on the server, in a database of its
// own. An explicit -parallel wins.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if f := flag.Lookup("test.parallel"); f != nil && !set {
		f.Value.Set("8")
	}
	os.Exit(m.Run())
}
