package aliyun

import (
	"fmt"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// Error codes of SendSms the outbox treats specially (help.aliyun.com
// 国内消息API错误码, document 101346; see docs/aliyun.md).
const (
	CodeOK                 = "OK"
	CodeMobileIllegal      = "isv.MOBILE_NUMBER_ILLEGAL"       // not a valid number: never retry
	CodeBusinessLimit      = "isv.BUSINESS_LIMIT_CONTROL"      // per-number frequency limit (minute / hour / day)
	CodeDayLimit           = "isv.DAY_LIMIT_CONTROL"           // the account's daily total set in the console
	CodeMonthLimit         = "isv.MONTH_LIMIT_CONTROL"         // the account's monthly total
	CodeBlacklist          = "isv.BLACK_KEY_CONTROL_LIMIT"     // the number is on the blacklist (it unsubscribed): like Twilio 21610
	CodeAmountNotEnough    = "isv.AMOUNT_NOT_ENOUGH"           // the account has no money left
	CodeOutOfService       = "isv.OUT_OF_SERVICE"              // service stopped (balance below zero)
	CodeTemplateMissing    = "isv.TEMPLATE_MISSING_PARAMETERS" // a variable of the template was not given
	CodeTemplateIllegal    = "isv.SMS_TEMPLATE_ILLEGAL"        // the template code is not approved for this account
	CodeSignatureIllegal   = "isv.SMS_SIGNATURE_ILLEGAL"       // the signature is not approved
	CodeSystemError        = "isp.SYSTEM_ERROR"
	CodeThrottlingUser     = "Throttling.User" // API call rate (QPS) of the account
	CodeSignatureNotMatch  = "SignatureDoesNotMatch"
	CodeInvalidAccessKeyID = "InvalidAccessKeyId.NotFound"
	CodeServiceUnavailable = "ServiceUnavailable"
)

// permanent are the codes that no retry can cure: the message, its template
// or the configuration must change.
var permanent = map[string]bool{
	CodeMobileIllegal: true, CodeTemplateMissing: true, CodeTemplateIllegal: true, CodeSignatureIllegal: true,
	"isv.TEMPLATE_PARAMS_ILLEGAL": true, "isv.PARAM_LENGTH_LIMIT": true, "isv.INVALID_PARAMETERS": true,
	"isv.INVALID_JSON_PARAM": true, "isv.SMS_CONTENT_ILLEGAL": true, "isv.PARAM_NOT_SUPPORT_URL": true,
	"isv.SMS_SIGNATURE_SCENE_ILLEGAL": true, "isv.SIGN_STATE_ILLEGAL": true, "isv.SMS_SIGN_ILLEGAL": true,
	"isv.DOMESTIC_NUMBER_NOT_SUPPORTED": true, "isv.MOBILE_COUNT_OVER_LIMIT": true, "isv.EXTEND_CODE_ERROR": true,
	"isv.DENY_IP_RANGE": true, "isp.RAM_PERMISSION_DENY": true, "isv.PRODUCT_UN_SUBSCRIPT": true,
	"isv.PRODUCT_UNSUBSCRIBE": true, "isv.ACCOUNT_NOT_EXISTS": true, "isv.ACCOUNT_ABNORMAL": true,
	CodeSignatureNotMatch: true, CodeInvalidAccessKeyID: true, "IncompleteSignature": true,
	"InvalidTimeStamp.Expired": true, "MissingParameter": true, "Forbidden.RAM": true,
}

// Classify maps an answer of SendSms that is not OK to an
// *outbox.SendError: the blacklist is an opt-out (the CRM marks the user);
// frequency limits wait until the provider accepts the number again
// (RetryAt); money, throttling and server errors are retried with backoff;
// a bad number, template or signature fails the entry at once.
func Classify(code, msg string, httpStatus int32, now time.Time, loc *time.Location) *outbox.SendError {
	se := &outbox.SendError{HTTPStatus: int(httpStatus), Provider: Provider, Msg: strings.TrimSpace(code + " " + msg)}
	switch {
	case code == CodeBlacklist:
		se.OptOut = true
	case code == CodeBusinessLimit:
		se.Retryable = true
		se.RetryAt = limitEnd(msg, now, loc)
	case code == CodeDayLimit:
		se.Retryable = true
		se.RetryAt = nextMidnight(now, loc)
	case code == CodeMonthLimit:
		se.Retryable = true
		t := now.In(loc)
		se.RetryAt = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, loc)
	case code == CodeAmountNotEnough, code == CodeOutOfService:
		se.Retryable = true // until someone tops the account up; the outbox dead-letters after its last try
	case permanent[code]:
	case strings.HasPrefix(code, "Throttling"), strings.HasPrefix(code, "isp."), code == CodeServiceUnavailable,
		httpStatus == 429, httpStatus >= 500:
		se.Retryable = true
	case httpStatus >= 400 && httpStatus < 500:
		// another refusal of the request itself
	case strings.HasPrefix(code, "isv."):
		// a business refusal this version does not know: not retried blindly
	default:
		se.Retryable = true
	}
	if se.Msg == "" {
		se.Msg = fmt.Sprintf("HTTP %d", httpStatus)
	}
	return se
}

// limitEnd reads which per-number limit BUSINESS_LIMIT_CONTROL names
// ("触发分钟级流控Permits:1", "触发小时级流控Permits:5", "触发天级流控Permits:10")
// and returns when it lifts. An unnamed one waits a minute.
func limitEnd(msg string, now time.Time, loc *time.Location) time.Time {
	switch {
	case strings.Contains(msg, "天级"), strings.Contains(strings.ToLower(msg), "day"):
		return nextMidnight(now, loc)
	case strings.Contains(msg, "小时级"), strings.Contains(strings.ToLower(msg), "hour"):
		return now.Add(time.Hour)
	}
	return now.Add(time.Minute)
}

func nextMidnight(now time.Time, loc *time.Location) time.Time {
	t := now.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
}
