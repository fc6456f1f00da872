package templates

// FitSMSWithLimit is FitSMS on the aliyun catalogue with the content
// variable limited to max characters and at most maxParts parts: what the
// dealer gets if the provider refuses to lift the variable length limit.
func FitSMSWithLimit(max, maxParts int, kind, body string) ([]SMSPart, error) {
	list := aliyunTemplates(notRegisteredOnce())
	for i := range list {
		for j := range list[i].Vars {
			if list[i].Vars[j].Name == "content" {
				list[i].Vars[j].Max = max
			}
		}
	}
	return buildCatalogue(list, maxParts).fit(kind, body)
}
