package csvio

// HeaderKey is headerKey, for the tests of package csvio_test.
var HeaderKey = headerKey
