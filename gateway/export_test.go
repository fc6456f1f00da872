package gateway

// FirstSentence is firstSentence, for the external tests.
var FirstSentence = firstSentence
