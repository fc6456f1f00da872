package twilio

import (
	"bytes"
	"encoding/xml"
	"strings"
)

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>`

// TwiML is the answer to an inbound webhook: the reply as one <Message>,
// XML-escaped, or an empty <Response/> when reply is blank (the reply then
// goes out later through the REST API and the outbox).
func TwiML(reply string) []byte {
	var b bytes.Buffer
	b.WriteString(xmlHeader)
	if strings.TrimSpace(reply) == "" {
		b.WriteString("<Response/>")
		return b.Bytes()
	}
	b.WriteString("<Response><Message>")
	xml.EscapeText(&b, []byte(reply)) // never fails on a bytes.Buffer
	b.WriteString("</Message></Response>")
	return b.Bytes()
}

// TwiMLContentType is the content type to answer TwiML with.
const TwiMLContentType = "text/xml; charset=utf-8"
