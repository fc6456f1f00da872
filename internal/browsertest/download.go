package browsertest

import (
	"encoding/base64"
	"fmt"
	"mime"

	"github.com/chromedp/chromedp"
)

// Download is a file a page offers (a CSV or Excel export), as the server sent it.
type Download struct {
	Status      int
	ContentType string
	Filename    string // from Content-Disposition, "" when it names none
	Data        []byte
}

// fetched is what the script of Download returns.
type fetched struct {
	Error       string `json:"error"`
	Status      int    `json:"status"`
	ContentType string `json:"type"`
	Disposition string `json:"disposition"`
	Data        string `json:"data"` // base64
}

// Download fetches what the link sel points to, or what the form sel (or the
// submit button sel, with its name and value) sends, with the tab's cookies,
// and returns it without leaving the page: a browser saves such a file to disk
// instead of showing it, so a test reads it here.
func (b *Browser) Download(sel string) Download {
	b.t.Helper()
	s := step{"download " + sel, sel}
	b.do(s, chromedp.WaitReady(chromedp.CSS(sel)))
	r := run(b, s, chromedp.Evaluate[fetched](fmt.Sprintf(`(async () => {
		const e = document.querySelector(%s);
		let r;
		if (e.href) {
			r = await fetch(e.href, {credentials: "same-origin"});
		} else {
			const form = e instanceof HTMLFormElement ? e : e.form;
			if (!form) return {error: "not a link, a form, nor in a form"};
			const data = new FormData(form, e === form || e.type !== "submit" ? null : e);
			const method = (form.method || "get").toUpperCase();
			const url = new URL(form.action, location.href);
			if (method === "GET") {
				url.search = new URLSearchParams(data).toString();
				r = await fetch(url, {credentials: "same-origin"});
			} else {
				const body = form.enctype === "multipart/form-data" ? data : new URLSearchParams(data);
				r = await fetch(url, {method, body, credentials: "same-origin"});
			}
		}
		const buf = new Uint8Array(await r.arrayBuffer());
		let bin = "";
		for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode.apply(null, buf.subarray(i, i + 0x8000));
		return {status: r.status, type: r.headers.get("content-type") || "",
			disposition: r.headers.get("content-disposition") || "", data: btoa(bin)};
	})()`, js(sel)), chromedp.EvalAwaitPromise))
	if r.Error != "" {
		b.fail(s, fmt.Errorf("%s", r.Error))
	}
	data, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		b.fail(s, err)
	}
	d := Download{Status: r.Status, ContentType: r.ContentType, Data: data}
	if _, params, err := mime.ParseMediaType(r.Disposition); err == nil {
		d.Filename = params["filename"]
	}
	return d
}
