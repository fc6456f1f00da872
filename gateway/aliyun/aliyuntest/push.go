package aliyuntest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Up is one upstream message (SmsUp) as Alibaba Cloud pushes it.
type Up struct {
	PhoneNumber string `json:"phone_number"` // 13800000002: mainland numbers without +86
	Content     string `json:"content"`
	SendTime    string `json:"send_time"` // 2017-09-01 00:00:00, Beijing time
	SignName    string `json:"sign_name,omitempty"`
	DestCode    string `json:"dest_code"`
	SequenceID  any    `json:"sequence_id"` // documented as a string in one place and a number in another: both are sent
}

// Report is one delivery report (SmsReport) as Alibaba Cloud pushes it.
type Report struct {
	PhoneNumber string `json:"phone_number"`
	SendTime    string `json:"send_time"`
	ReportTime  string `json:"report_time"`
	Success     bool   `json:"success"`
	ErrCode     string `json:"err_code"`
	ErrMsg      string `json:"err_msg"`
	SmsSize     string `json:"sms_size"`
	BizID       string `json:"biz_id"`
	OutID       string `json:"out_id"`
}

// Reply makes an upstream message from number (E.164 or national) with
// sequence id seq.
func Reply(number, content string, seq int64) Up {
	return Up{PhoneNumber: strings.TrimPrefix(number, "+86"), Content: content,
		SendTime: time.Now().In(beijing).Format(timeLayout), DestCode: "1234", SequenceID: seq}
}

// ReportOf makes the delivery report of an accepted send: success, or the
// carrier's err_code ("MK:0001", "DELIVERED" when success).
func ReportOf(m Send, success bool, errCode string) Report {
	if success && errCode == "" {
		errCode = "DELIVERED"
	}
	msg := "用户接收成功"
	if !success {
		msg = "失败"
	}
	now := time.Now().In(beijing).Format(timeLayout)
	return Report{PhoneNumber: m.Phone, SendTime: now, ReportTime: now, Success: success, ErrCode: errCode,
		ErrMsg: msg, SmsSize: "1", BizID: m.BizID, OutID: m.OutID}
}

const timeLayout = "2006-01-02 15:04:05"

var beijing = time.FixedZone("CST", 8*3600)

// Push posts items as one HTTP batch push (a JSON array) to url, as Alibaba
// Cloud does, and returns the HTTP status and the answer's body.
func Push[T Up | Report](url string, items ...T) (int, string, error) {
	body, err := json.Marshal(items)
	if err != nil {
		return 0, "", err
	}
	return PushRaw(url, body)
}

// PushRaw posts body as a push (for malformed pushes).
func PushRaw(url string, body []byte) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Apache-HttpClient/4.5 (Java)")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// MustPush is Push that fails unless the push was accepted as Alibaba Cloud
// expects: HTTP 200 and a numeric code 0.
func MustPush[T Up | Report](url string, items ...T) error {
	status, body, err := Push(url, items...)
	if err != nil {
		return err
	}
	var ans struct {
		Code *int   `json:"code"`
		Msg  string `json:"msg"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &ans) != nil || ans.Code == nil || *ans.Code != 0 {
		return fmt.Errorf("aliyuntest: push answered %d %s", status, body)
	}
	return nil
}
