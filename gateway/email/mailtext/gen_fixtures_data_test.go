package mailtext

// Fixture sources for TestGenerateFixtures. Addresses and names are made
// up; the shapes (headers, boundaries, quoting) follow what the named mail
// clients send.

const recvGmail = `Delivered-To: crm@nhe-machinery.com
Received: from mail-sor-f41.google.com (mail-sor-f41.google.com [209.85.220.41])
        by mx.nhe-machinery.com (Postfix) with ESMTPS id 4Ck2Qm1XyZz9sT1
        for <crm@nhe-machinery.com>; Mon, 23 Nov 2026 18:31:07 +0800 (CST)
Return-Path: <wang.jun.nhe@gmail.com>
Authentication-Results: mx.nhe-machinery.com;
       dkim=pass header.i=@gmail.com header.s=20230601 header.b=Xy12AbCd;
       spf=pass (mx.nhe-machinery.com: domain of wang.jun.nhe@gmail.com designates 209.85.220.41 as permitted sender) smtp.mailfrom=wang.jun.nhe@gmail.com;
       dmarc=pass (p=NONE sp=QUARANTINE dis=NONE) header.from=gmail.com
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
        d=gmail.com; s=20230601; t=1795429867; x=1796034667; darn=nhe-machinery.com;
        h=to:subject:message-id:date:from:in-reply-to:references:mime-version
         :from:to:cc:subject:date:message-id:reply-to;
        bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;
        b=Xy12AbCdQ7fN0kP3mVvL2sTg8wEhR5uJ1yZcB6nA9oK4iD7xM0qF3lW8eS2rG5tH
         1vY6uO9pJ4kL7mN0bC3dF6gH9jK2lM5nP8qR1sT4uV7wX0yZ3aB6cD9eF2gH5iJ8k
MIME-Version: 1.0
`

func gmailReplyEN() fixtureSource {
	plain := `Visited ACME Mining today, met Mr. Zhao from purchasing.
They want a quote for 2 x SY215C excavators by Friday.

A17 done

On Mon, Nov 23, 2026 at 9:14 AM Liu Yang <liu.yang@nhe-machinery.com>
wrote:

> Wang Jun, please visit ACME Mining this week and report back.
>
> Thanks,
> Liu Yang
>
`
	html := `<div dir="ltr">Visited ACME Mining today, met Mr. Zhao from purchasing.<div>They want a quote for 2 x SY215C excavators by Friday.</div><div><br></div><div>A17 done</div></div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Mon, Nov 23, 2026 at 9:14 AM Liu Yang &lt;<a href="mailto:liu.yang@nhe-machinery.com">liu.yang@nhe-machinery.com</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex"><div dir="ltr">Wang Jun, please visit ACME Mining this week and report back.<div><br></div><div>Thanks,</div><div>Liu Yang</div></div>
</blockquote></div>
`
	return fixtureSource{name: "01-gmail-reply-en", want: "Visited ACME Mining today, met Mr. Zhao from purchasing.\nThey want a quote for 2 x SY215C excavators by Friday.\n\nA17 done", eml: recvGmail + `References: <CAJx7abc123Kq9=VwL0pR4sT@mail.gmail.com>
In-Reply-To: <CAJx7abc123Kq9=VwL0pR4sT@mail.gmail.com>
From: Wang Jun <wang.jun.nhe@gmail.com>
Date: Mon, 23 Nov 2026 18:31:02 +0800
Message-ID: <CAK9f2QW=7yR+gm1Lq3oZ0xVbN8s@mail.gmail.com>
Subject: Re: ACME Mining visit
To: Liu Yang <liu.yang@nhe-machinery.com>
Cc: crm@nhe-machinery.com
Content-Type: multipart/alternative; boundary="000000000000f3a1c2060d9e4b7a"

--000000000000f3a1c2060d9e4b7a
Content-Type: text/plain; charset="UTF-8"

` + plain + `
--000000000000f3a1c2060d9e4b7a
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

` + html + `
--000000000000f3a1c2060d9e4b7a--
`}
}

func gmailReplyZH() fixtureSource {
	plain := "刘经理：\n已拜访客户，客户要两台挖掘机报价。\nA17 完成\n\n2026年11月23日周一 09:14，刘洋 <liu.yang@nhe-machinery.com> 写道：\n\n> 请本周拜访 ACME 矿业。\n>\n"
	html := `<div dir="ltr">刘经理：<div>已拜访客户，客户要两台挖掘机报价。</div><div>A17 完成</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">2026年11月23日周一 09:14，刘洋 &lt;<a href="mailto:liu.yang@nhe-machinery.com">liu.yang@nhe-machinery.com</a>&gt; 写道：<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex"><div dir="ltr">请本周拜访 ACME 矿业。</div></blockquote></div>`
	return fixtureSource{name: "02-gmail-reply-zh", want: "刘经理：\n已拜访客户，客户要两台挖掘机报价。\nA17 完成", eml: recvGmail + `References: <CAJx7def456=Lp0qR@mail.gmail.com>
In-Reply-To: <CAJx7def456=Lp0qR@mail.gmail.com>
From: ` + ewB("UTF-8", utf8b("王军")) + ` <wang.jun.nhe@gmail.com>
Date: Mon, 23 Nov 2026 18:40:11 +0800
Message-ID: <CAK9f2QX1zP0o-Vb3nT5u@mail.gmail.com>
Subject: ` + ewB("UTF-8", utf8b("Re: 拜访安排")) + `
To: ` + ewB("UTF-8", utf8b("刘洋")) + ` <liu.yang@nhe-machinery.com>
Content-Type: multipart/alternative; boundary="000000000000a81c2d060d9e5c01"

--000000000000a81c2d060d9e5c01
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: base64

` + b64(utf8b(plain)) + `
--000000000000a81c2d060d9e5c01
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: base64

` + b64(utf8b(html)) + `
--000000000000a81c2d060d9e5c01--
`}
}

const recvOutlook = `Received: from PS2PR01MB2345.apcprd01.prod.exchangelabs.com (2603:1096:300:44::18)
 by SG2PR01MB4567.apcprd01.prod.exchangelabs.com with HTTPS; Mon, 23 Nov 2026
 10:02:15 +0000
Received: from smtp.nhe-machinery.com (smtp.nhe-machinery.com. [203.0.113.25])
        by mx.nhe-machinery.com (Postfix) with ESMTPS id 4Ck3B71hLmz1xQ
        for <crm@nhe-machinery.com>; Mon, 23 Nov 2026 18:02:16 +0800 (CST)
Authentication-Results: mx.nhe-machinery.com;
	dkim=pass (2048-bit key; unprotected) header.d=nhe-machinery.com header.i=@nhe-machinery.com header.b="kP2mQ9xV";
	spf=pass (mx.nhe-machinery.com: domain of wang.jun@nhe-machinery.com designates 203.0.113.25 as permitted sender) smtp.mailfrom=wang.jun@nhe-machinery.com
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=nhe-machinery.com; s=sel1;
	h=From:Date:Subject:Message-ID:Content-Type:MIME-Version;
	bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
	b=kP2mQ9xVa3bC4dE5fG6hI7jK8lM9nO0pQ1rS2tU3vW4xY5zA6bC7dE8fG9hI0jK1
	 lM2nO3pQ4rS5tU6vW7xY8zA9bC0dE1fG2hI3jK4lM5nO6pQ7rS8tU9vW0xY1zA2
`

func outlookDesktopEN() fixtureSource {
	plain := `Hi Liu,

Met purchasing at Hengyuan Construction. They will decide on the loader next week.
A21 done

Regards,
Wang Jun
North Heavy Equipment | Sales
Mobile: 139 0139 5136

From: Liu Yang <liu.yang@nhe-machinery.com> 
Sent: Monday, November 23, 2026 9:14 AM
To: Wang Jun <wang.jun@nhe-machinery.com>
Cc: crm@nhe-machinery.com
Subject: Hengyuan loader

Please follow up with Hengyuan on the loader quote.

Liu
`
	html := `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv="Content-Type" content="text/html; charset=us-ascii"><style><!--
p.MsoNormal {margin:0in;font-size:11.0pt;font-family:"Calibri",sans-serif;}
--></style></head><body lang="EN-US"><div class="WordSection1"><p class="MsoNormal">Hi Liu,<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p><p class="MsoNormal">Met purchasing at Hengyuan Construction. They will decide on the loader next week.<o:p></o:p></p><p class="MsoNormal">A21 done<o:p></o:p></p></div></body></html>`
	return fixtureSource{name: "03-outlook-desktop-en", want: "Hi Liu,\n\nMet purchasing at Hengyuan Construction. They will decide on the loader next week.\nA21 done\n\nRegards,\nWang Jun\nNorth Heavy Equipment | Sales\nMobile: 139 0139 5136", eml: recvOutlook + `From: "Wang Jun" <wang.jun@nhe-machinery.com>
To: "'Liu Yang'" <liu.yang@nhe-machinery.com>
Cc: <crm@nhe-machinery.com>
References: <000001db3d5a$6c2e1f40$448a5dc0$@nhe-machinery.com>
In-Reply-To: <000001db3d5a$6c2e1f40$448a5dc0$@nhe-machinery.com>
Subject: RE: Hengyuan loader
Date: Mon, 23 Nov 2026 18:02:11 +0800
Message-ID: <000c01db3d5f$1a2b3c40$4e81b4c0$@nhe-machinery.com>
MIME-Version: 1.0
Content-Type: multipart/alternative;
	boundary="----=_NextPart_000_000D_01DB3DA2.28506E40"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AQHbPVpsLh9AxH3kT0mW2n5oJqC8VbTgh5Yw
Content-Language: en-us

This is a multipart message in MIME format.

------=_NextPart_000_000D_01DB3DA2.28506E40
Content-Type: text/plain;
	charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

` + qp(utf8b(plain)) + `
------=_NextPart_000_000D_01DB3DA2.28506E40
Content-Type: text/html;
	charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

` + qp(utf8b(html)) + `
------=_NextPart_000_000D_01DB3DA2.28506E40--
`}
}

func outlookWeb() fixtureSource {
	plain := `A22 done, customer signed.

________________________________
From: Liu Yang <liu.yang@nhe-machinery.com>
Sent: Monday, November 23, 2026 09:14
To: Wang Jun <wang.jun@nhe-machinery.com>
Subject: Re: Dongfang order

Did they sign?
`
	html := `<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style></head><body dir="ltr"><div class="elementToProof" style="font-family: Aptos, Arial, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">A22 done, customer signed.</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>From:</b> Liu Yang &lt;liu.yang@nhe-machinery.com&gt;<br><b>Sent:</b> Monday, November 23, 2026 09:14<br><b>To:</b> Wang Jun &lt;wang.jun@nhe-machinery.com&gt;<br><b>Subject:</b> Re: Dongfang order</font><div>&nbsp;</div></div><div>Did they sign?</div></body></html>`
	return fixtureSource{name: "04-outlook-web", want: "A22 done, customer signed.", eml: `Received: from SEZPR01MB5678.apcprd01.prod.outlook.com (2603:1096:101:1d1::9) by
 TYZPR01MB7890.apcprd01.prod.outlook.com with HTTPS; Mon, 23 Nov 2026 09:40:51
 +0000
Authentication-Results: mx.nhe-machinery.com;
	dkim=pass header.d=outlook.com header.s=selector1 header.b=Qw3eRt5y;
	spf=pass smtp.mailfrom=wangjun.sales@outlook.com;
	dmarc=pass action=none header.from=outlook.com
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=outlook.com;
 s=selector1; h=From:Date:Subject:Message-ID:Content-Type:MIME-Version:X-MS-Exchange-SenderADCheck;
 bh=8f3kZpQ0mN2vB4xC6zL9aS1dF3gH5jK7lP9oI2uY4tR=;
 b=Qw3eRt5yU7iO9pA1sD3fG5hJ7kL9zX1cV3bN5mQ7wE9rT1yU3iO5pA7sD9fG1hJ3kL5zX7cV9bN1mQ3wE5rT7yU9iO1pA3sD5fG7hJ9kL1zX3cV5bN7mQ9w==
From: Wang Jun <wangjun.sales@outlook.com>
To: Liu Yang <liu.yang@nhe-machinery.com>
CC: "crm@nhe-machinery.com" <crm@nhe-machinery.com>
Subject: Re: Dongfang order
Thread-Topic: Dongfang order
Thread-Index: AQHbPV9aZ2x5Y3RvbmRvbmc=
Date: Mon, 23 Nov 2026 09:40:50 +0000
Message-ID: <SEZPR01MB5678A1B2C3D4E5F6A7B8C9D0E1F2A@SEZPR01MB5678.apcprd01.prod.outlook.com>
References: <CAJx7ghi789@mail.gmail.com>
In-Reply-To: <CAJx7ghi789@mail.gmail.com>
Accept-Language: en-US
Content-Language: en-US
X-MS-Has-Attach:
X-MS-TNEF-Correlator:
msip_labels:
Content-Type: multipart/alternative;
	boundary="_000_SEZPR01MB5678A1B2C3D4E5F6A7B8C9D0E1F2ASEZPR01MB5678apcp_"
MIME-Version: 1.0

--_000_SEZPR01MB5678A1B2C3D4E5F6A7B8C9D0E1F2ASEZPR01MB5678apcp_
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

` + qp(latin1(plain)) + `
--_000_SEZPR01MB5678A1B2C3D4E5F6A7B8C9D0E1F2ASEZPR01MB5678apcp_
Content-Type: text/html; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

` + qp(latin1(html)) + `
--_000_SEZPR01MB5678A1B2C3D4E5F6A7B8C9D0E1F2ASEZPR01MB5678apcp_--
`}
}

func outlookZH() fixtureSource {
	plain := "刘经理，\n\n客户下周三来厂里看设备。\nA23 完成\n\n王军\n\n发件人： 刘洋 <liu.yang@nhe-machinery.com> \n发送时间： 2026年11月23日 9:14\n收件人： 王军 <wang.jun@nhe-machinery.com>\n主题： 东方机械来访\n\n请确认客户来访时间。\n"
	html := `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head><body lang="ZH-CN"><div class="WordSection1"><p class="MsoNormal">刘经理，</p><p class="MsoNormal">&nbsp;</p><p class="MsoNormal">客户下周三来厂里看设备。</p><p class="MsoNormal">A23 完成</p></div></body></html>`
	return fixtureSource{name: "05-outlook-zh", want: "刘经理，\n\n客户下周三来厂里看设备。\nA23 完成\n\n王军", eml: recvOutlook + `From: =?gb2312?B?` + base64Std(gbk("王军")) + `?= <wang.jun@nhe-machinery.com>
To: =?gb2312?B?` + base64Std(gbk("刘洋")) + `?= <liu.yang@nhe-machinery.com>
Cc: <crm@nhe-machinery.com>
Subject: ` + ewB("gb2312", gbk("答复: 东方机械来访")) + `
Date: Mon, 23 Nov 2026 18:20:44 +0800
Message-ID: <001201db3d61$a1b2c3d0$e5f6a7b0$@nhe-machinery.com>
MIME-Version: 1.0
Content-Type: multipart/alternative;
	boundary="----=_NextPart_000_0013_01DB3DA4.AFD60BD0"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AQHbPWGhssPQ5fan
Content-Language: zh-cn

This is a multipart message in MIME format.

------=_NextPart_000_0013_01DB3DA4.AFD60BD0
Content-Type: text/plain;
	charset="gb2312"
Content-Transfer-Encoding: quoted-printable

` + qp(gbk(plain)) + `
------=_NextPart_000_0013_01DB3DA4.AFD60BD0
Content-Type: text/html;
	charset="gb2312"
Content-Transfer-Encoding: base64

` + b64(gbk(html)) + `
------=_NextPart_000_0013_01DB3DA4.AFD60BD0--
`}
}

func appleIPhone() fixtureSource {
	return fixtureSource{name: "06-apple-iphone", want: "A17 done. Customer wants demo Friday 10am.", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from smtpclient.apple ([117.136.8.44])
        by smtp.nhe-machinery.com with ESMTPSA id 7a1b2c3d4e5f
        for <crm@nhe-machinery.com>; Mon, 23 Nov 2026 19:05:33 +0800
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit
From: Wang Jun <wang.jun@nhe-machinery.com>
Mime-Version: 1.0 (1.0)
Subject: Re: ACME visit
Date: Mon, 23 Nov 2026 19:05:21 +0800
Message-Id: <8F2C1D3E-4A5B-4C6D-9E8F-1A2B3C4D5E6F@nhe-machinery.com>
References: <A1B2C3D4-0000-4000-8000-0123456789AB@nhe-machinery.com>
In-Reply-To: <A1B2C3D4-0000-4000-8000-0123456789AB@nhe-machinery.com>
To: Liu Yang <liu.yang@nhe-machinery.com>, crm@nhe-machinery.com
X-Mailer: iPhone Mail (22B83)

A17 done. Customer wants demo Friday 10am.

Sent from my iPhone

> On 23 Nov 2026, at 09:14, Liu Yang <liu.yang@nhe-machinery.com> wrote:
> 
> Can you confirm the ACME visit?
`}
}

func thunderbirdTop() fixtureSource {
	return fixtureSource{name: "07-thunderbird", want: "Quote sent to Hengyuan, waiting for answer.\nA24 done", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from [192.168.1.23] (unknown [117.136.8.44])
	by smtp.nhe-machinery.com (Postfix) with ESMTPSA id 4Ck3Z02bq1z1xR
	for <crm@nhe-machinery.com>; Mon, 23 Nov 2026 20:11:09 +0800 (CST)
Message-ID: <3b6f1c2a-9d8e-4f7a-b1c2-d3e4f5a6b7c8@nhe-machinery.com>
Date: Mon, 23 Nov 2026 20:11:08 +0800
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: Hengyuan quote
To: Liu Yang <liu.yang@nhe-machinery.com>
Cc: crm@nhe-machinery.com
References: <5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a@nhe-machinery.com>
Content-Language: en-US
From: Wang Jun <wang.jun@nhe-machinery.com>
In-Reply-To: <5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a@nhe-machinery.com>
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Quote sent to Hengyuan, waiting for answer.
A24 done

On 11/23/26 9:14 AM, Liu Yang wrote:
> Please send the quote to Hengyuan today.
> 
> Liu
`}
}

func qqMailReply() fixtureSource {
	plain := "收到，明天上午去拜访。\nA25 完成\n\n\n\n------------------ 原始邮件 ------------------\n发件人: \"刘洋\"<liu.yang@nhe-machinery.com>;\n发送时间: 2026年11月23日(星期一) 上午9:14\n收件人: \"王军\"<185012345@qq.com>;\n主题: 拜访东方机械\n\n\n\n请明天拜访东方机械。\n"
	html := `<meta http-equiv="Content-Type" content="text/html; charset=GB18030"><div>收到，明天上午去拜访。</div><div>A25 完成</div><div><br></div><div><br></div><div style="font-size: 12px;font-family: Arial Narrow;padding:2px 0 2px 0;">------------------&nbsp;原始邮件&nbsp;------------------</div><div style="font-size: 12px;background:#efefef;padding:8px;"><div><b>发件人:</b>&nbsp;"刘洋"&lt;liu.yang@nhe-machinery.com&gt;;</div><div><b>发送时间:</b>&nbsp;2026年11月23日(星期一) 上午9:14</div><div><b>收件人:</b>&nbsp;"王军"&lt;185012345@qq.com&gt;;</div><div><b>主题:</b>&nbsp;拜访东方机械</div></div><div><br></div>请明天拜访东方机械。`
	return fixtureSource{name: "08-qqmail-reply", want: "收到，明天上午去拜访。\nA25 完成", eml: `Return-Path: <185012345@qq.com>
Received: from out203-205-221-191.mail.qq.com (out203-205-221-191.mail.qq.com [203.205.221.191])
	by mx.nhe-machinery.com (Postfix) with ESMTPS id 4Ck4F31vJcz1xT
	for <liu.yang@nhe-machinery.com>; Mon, 23 Nov 2026 21:03:27 +0800 (CST)
Authentication-Results: mx.nhe-machinery.com;
	dkim=pass (1024-bit key) header.d=qq.com header.i=@qq.com header.b="bJ3kL5mN";
	spf=pass smtp.mailfrom=185012345@qq.com;
	dmarc=pass (p=QUARANTINE) header.from=qq.com
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=qq.com; s=s201512;
	t=1795438997; bh=Yk3mN5pQ7rS9tU1vW3xY5zA7bC9dE1fG3hI5jK7lM9n=;
	h=From:To:Subject:Mime-Version:Date:Message-ID;
	b=bJ3kL5mNxQ7rS9tU1vW3xY5zA7bC9dE1fG3hI5jK7lM9nO1pQ3rS5tU7vW9xY1zA3b
X-QQ-FEAT: 3+7mZ0pJfL9wX2nR5tV8aB1cD4eF7gH0
X-QQ-SSF: 00000000000000F0000000000000
X-QQ-XMAILINFO: NkJ3lP5mR7tV9xZ1bD3fH5jL7nP9rT1vX3zB5dF7hJ9lN1pR3tV5xZ7bD9f
X-QQ-mid: webmail752t1795438997t4871235
From: "` + ewB("gb18030", gb18030("王军")) + `" <185012345@qq.com>
To: "` + ewB("gb18030", gb18030("刘洋")) + `" <liu.yang@nhe-machinery.com>
Cc: "crm" <crm@nhe-machinery.com>
Subject: ` + ewB("gb18030", gb18030("回复：拜访东方机械")) + `
Mime-Version: 1.0
Content-Type: multipart/alternative;
	boundary="----=_NextPart_6741D295_0F3C2B18_4A6E1D2C"
Content-Transfer-Encoding: 8Bit
Date: Mon, 23 Nov 2026 21:03:17 +0800
X-Priority: 3
Message-ID: <tencent_5A1B3C5D7E9F1A3B5C7D9E1F3A5B7C9D0E08@qq.com>
X-QQ-MIME: TCMime 1.0 by Tencent
X-Mailer: QQMail 2.x
X-QQ-Mailer: QQMail 2.x
References: <5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a@nhe-machinery.com>
In-Reply-To: <5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a@nhe-machinery.com>

This is a multi-part message in MIME format.

------=_NextPart_6741D295_0F3C2B18_4A6E1D2C
Content-Type: text/plain;
	charset="gb18030"
Content-Transfer-Encoding: base64

` + b64(gb18030(plain)) + `
------=_NextPart_6741D295_0F3C2B18_4A6E1D2C
Content-Type: text/html;
	charset="gb18030"
Content-Transfer-Encoding: base64

` + b64(gb18030(html)) + `
------=_NextPart_6741D295_0F3C2B18_4A6E1D2C--
`}
}

func foxmailReply() fixtureSource {
	plain := "刘经理，\n\nSY365 的配件今天到了，明天送货。\nA26 done\n\n2026-11-23\n\n\nwang.jun@nhe-machinery.com\n------------------&nbsp;Original&nbsp;------------------\nFrom: \"Liu Yang\"<liu.yang@nhe-machinery.com>;\nDate: Mon, Nov 23, 2026 09:14 AM\nTo: \"Wang Jun\"<wang.jun@nhe-machinery.com>;\nSubject: SY365 parts\n\n配件到了吗？\n"
	return fixtureSource{name: "09-foxmail-reply", want: "刘经理，\n\nSY365 的配件今天到了，明天送货。\nA26 done\n\n2026-11-23\n\n\nwang.jun@nhe-machinery.com", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from WANGJUN-PC (unknown [117.136.8.44])
	by smtp.nhe-machinery.com (Postfix) with ESMTPA id 4Ck4M91rTfz1xV
	for <liu.yang@nhe-machinery.com>; Mon, 23 Nov 2026 21:30:02 +0800 (CST)
Date: Mon, 23 Nov 2026 21:29:58 +0800
From: "wang.jun@nhe-machinery.com" <wang.jun@nhe-machinery.com>
To: "Liu Yang" <liu.yang@nhe-machinery.com>
Cc: crm <crm@nhe-machinery.com>
Subject: Re: SY365 parts
References: <tencent_0A1B2C3D4E5F@qq.com>
X-Priority: 3
X-GUID: 7F3E2D1C-0B9A-4876-A5B4-C3D2E1F0A9B8
X-Has-Attach: no
X-Mailer: Foxmail 7.2.25.254[cn]
Mime-Version: 1.0
Message-ID: <202611232129580321876@nhe-machinery.com>
Content-Type: text/plain;
	charset="GB2312"
Content-Transfer-Encoding: base64

` + b64(gbk(plain))}
}

func mail163GBK() fixtureSource {
	plain := "刘经理：\n  A27 已完成，客户要两台挖掘机和一台装载机的报价。\n  联系人：赵建国 13901395136\n\n在 2026-11-23 09:14:05，\"刘洋\" <liu.yang@nhe-machinery.com> 写道：\n>请本周拜访东方矿业，了解采购计划。\n>\n"
	html := `<div style="line-height:1.7;color:#000000;font-size:14px;font-family:Arial"><div>刘经理：</div><div>&nbsp; A27 已完成，客户要两台挖掘机和一台装载机的报价。</div><div>&nbsp; 联系人：赵建国 13901395136</div><div style="position:relative;zoom:1"></div><div id="divNeteaseMailCard"></div><br><pre><br>在 2026-11-23 09:14:05，"刘洋" &lt;liu.yang@nhe-machinery.com&gt; 写道：<br>&gt;请本周拜访东方矿业，了解采购计划。<br>&gt;<br></pre></div>`
	return fixtureSource{name: "10-163-gbk", want: "刘经理：\n  A27 已完成，客户要两台挖掘机和一台装载机的报价。\n  联系人：赵建国 13901395136", eml: `Return-Path: <wangjun_sy@163.com>
Received: from m16.mail.163.com (m16.mail.163.com [117.135.210.5])
	by mx.nhe-machinery.com (Postfix) with ESMTP id 4Ck4T72wXhz1xW
	for <liu.yang@nhe-machinery.com>; Mon, 23 Nov 2026 21:52:40 +0800 (CST)
Authentication-Results: mx.nhe-machinery.com; dkim=pass header.d=163.com; spf=pass smtp.mailfrom=wangjun_sy@163.com; dmarc=pass header.from=163.com
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=163.com;
	s=s110527; h=Date:From:Subject:Content-Type:MIME-Version:
	Message-ID; bh=Hk7mP9rT1vX3zB5dF7hJ9lN1pR3tV5xZ7bD9fH1jL3n=; b=mQ3
	sU5wY7aC9eG1iK3mO5qS7uW9yA1cE3gI5kM7oQ9sU1wY3aC5eG7iK9mO1qS3uW5y
Date: Mon, 23 Nov 2026 21:52:36 +0800 (CST)
From: ` + ewB("GBK", gbk("王军")) + ` <wangjun_sy@163.com>
To: ` + ewB("GBK", gbk("刘洋")) + ` <liu.yang@nhe-machinery.com>
Cc: crm@nhe-machinery.com
Subject: ` + ewB("GBK", gbk("Re:东方矿业拜访")) + `
X-Priority: 3
X-Mailer: Coremail Webmail Server Version XT5.0.14 build 20230109(dcb5de15)
 Copyright (c) 2002-2026 www.mailtech.cn 163com
In-Reply-To: <5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a@nhe-machinery.com>
References: <5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a@nhe-machinery.com>
X-NTES-SC: AL_Qu2YA/6avE4o4SCcZukfmk4ahu8xXcW1vPkl3Yd
Content-Type: multipart/alternative; 
	boundary="----=_Part_187233_1046921385.1795441956517"
MIME-Version: 1.0
Message-ID: <5ab0c1d2.6e3f.19b4a7c8d9e.Coremail.wangjun_sy@163.com>
X-Coremail-Locale: zh_CN
X-CM-TRANSID: _____wD3N7Hk0EFn1a2bAA--.33021S2
X-Coremail-Antispam: 1Uf129KBjDUn29KB7ZKAUJUUUUU529EdanIXcx71UUUUU7v73
X-Originating-IP: [223.104.3.211]
X-CM-SenderInfo: pzdqwxyb1vbqqrwthudrp/1tbiWx3a8mVd0EwRqQAAsB

------=_Part_187233_1046921385.1795441956517
Content-Type: text/plain; charset=GBK
Content-Transfer-Encoding: base64

` + b64(gbk(plain)) + `
------=_Part_187233_1046921385.1795441956517
Content-Type: text/html; charset=GBK
Content-Transfer-Encoding: base64

` + b64(gbk(html)) + `
------=_Part_187233_1046921385.1795441956517--
`}
}

func gb2312Subject() fixtureSource {
	plain := "王先生您好：\n\n我们矿上需要两台 SY215C 挖掘机，请尽快报价。\n付款方式可以分期。\n\n赵建国\n东方矿业 采购部\n电话：024-22345678\n"
	return fixtureSource{name: "11-gb2312-subject", want: "王先生您好：\n\n我们矿上需要两台 SY215C 挖掘机，请尽快报价。\n付款方式可以分期。\n\n赵建国\n东方矿业 采购部\n电话：024-22345678", eml: `Return-Path: <zhao.jianguo@dongfang-mining.cn>
Received: from mail.dongfang-mining.cn (mail.dongfang-mining.cn [198.51.100.14])
	by mx.nhe-machinery.com (Postfix) with ESMTP id 4Ck5A12mPqz1xY
	for <wang.jun@nhe-machinery.com>; Tue, 24 Nov 2026 08:15:03 +0800 (CST)
Authentication-Results: mx.nhe-machinery.com; spf=pass smtp.mailfrom=zhao.jianguo@dongfang-mining.cn; dkim=none
Date: Tue, 24 Nov 2026 08:14:51 +0800
From: =?gb2312?B?` + base64Std(gbk("赵建国")) + `?= <zhao.jianguo@dongfang-mining.cn>
To: =?gb2312?B?` + base64Std(gbk("王军")) + `?= <wang.jun@nhe-machinery.com>
Subject: ` + ewB("gb2312", gbk("关于 SY215C 挖掘机的询价")) + `
Message-ID: <20261124081451.A3F2C1@dongfang-mining.cn>
X-Mailer: Coremail Webmail Server Version XT5.0.14
MIME-Version: 1.0
Content-Type: text/plain; charset=gb2312
Content-Transfer-Encoding: quoted-printable

` + qp(gbk(plain))}
}

func gb18030Body() fixtureSource {
	plain := "王军你好：\n我是刘䶮，沈阳重工的设备主管。\n我们想了解二手装载机，预算 50 万元（约 €65,000）。\n请回电 13801234567。\n\n发自我的华为手机\n"
	return fixtureSource{name: "12-gb18030-body", want: "王军你好：\n我是刘䶮，沈阳重工的设备主管。\n我们想了解二手装载机，预算 50 万元（约 €65,000）。\n请回电 13801234567。", eml: `Return-Path: <liuyan@syhi.com.cn>
Received: from mail.syhi.com.cn (unknown [198.51.100.77])
	by mx.nhe-machinery.com (Postfix) with ESMTP id 4Ck5C33kWnz1xZ
	for <wang.jun@nhe-machinery.com>; Tue, 24 Nov 2026 09:01:44 +0800 (CST)
From: ` + ewB("GB18030", gb18030("刘䶮")) + ` <liuyan@syhi.com.cn>
To: wang.jun@nhe-machinery.com
Subject: ` + ewB("GB18030", gb18030("二手装载机咨询")) + `
Date: Tue, 24 Nov 2026 09:01:40 +0800
Message-ID: <a91b2c3d4e5f6071@syhi.com.cn>
MIME-Version: 1.0
Content-Type: text/plain; charset=GB18030
Content-Transfer-Encoding: base64
X-Mailer: HUAWEI Email 12.0

` + b64(gb18030(plain))}
}

func big5Taiwan() fixtureSource {
	plain := "王先生您好：\n\n我們公司在台中有一個工地，需要兩台二手挖土機（20噸級）。\n請提供報價及交機時間。\n\n謝謝！\n陳志明\n新華營造股份有限公司\n"
	return fixtureSource{name: "13-big5-taiwan", want: "王先生您好：\n\n我們公司在台中有一個工地，需要兩台二手挖土機（20噸級）。\n請提供報價及交機時間。\n\n謝謝！\n陳志明\n新華營造股份有限公司", eml: `Return-Path: <chen.zm@hsinhua-const.com.tw>
Received: from msa.hinet.net (msa.hinet.net [168.95.4.211])
	by mx.nhe-machinery.com (Postfix) with ESMTP id 4Ck5J81cYrz1y0
	for <wang.jun@nhe-machinery.com>; Tue, 24 Nov 2026 10:22:17 +0800 (CST)
From: "` + ewB("big5", big5("陳志明")) + `" <chen.zm@hsinhua-const.com.tw>
To: <wang.jun@nhe-machinery.com>
Subject: ` + ewB("big5", big5("詢價：二手挖土機")) + `
Date: Tue, 24 Nov 2026 10:22:09 +0800
Message-ID: <000501db3de8$4f2a1b30$ed7e5190$@hsinhua-const.com.tw>
MIME-Version: 1.0
Content-Type: text/plain;
	charset="big5"
Content-Transfer-Encoding: base64
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AdtB6E8qGzDtflGQQ2y4qAq9Rk3xZw==
Content-Language: zh-tw

` + b64(big5(plain))}
}

func latin1German() fixtureSource {
	plain := "Sehr geehrter Herr Wang,\n\ndie Ersatzteile für den SY365 (Hydraulikpumpe, 2 Dichtungssätze) gehen\nmorgen per Luftfracht raus. Die Sendungsnummer schicke ich nach.\n\nMit freundlichen Grüßen\nKlaus Müller\nMüller Baumaschinen GmbH\n\nAm 23.11.2026 um 09:14 schrieb Wang Jun <wang.jun@nhe-machinery.com>:\n> Dear Mr. Müller,\n> when will the parts for the SY365 ship?\n"
	return fixtureSource{name: "14-latin1-german", want: "Sehr geehrter Herr Wang,\n\ndie Ersatzteile für den SY365 (Hydraulikpumpe, 2 Dichtungssätze) gehen\nmorgen per Luftfracht raus. Die Sendungsnummer schicke ich nach.\n\nMit freundlichen Grüßen\nKlaus Müller\nMüller Baumaschinen GmbH", eml: `Return-Path: <k.mueller@baumaschinen-mueller.de>
Received: from mout.kundenserver.de (mout.kundenserver.de [212.227.126.187])
	by mx.nhe-machinery.com (Postfix) with ESMTPS id 4Ck5N52gHtz1y1
	for <wang.jun@nhe-machinery.com>; Tue, 24 Nov 2026 16:40:02 +0800 (CST)
Authentication-Results: mx.nhe-machinery.com;
	dkim=pass header.d=baumaschinen-mueller.de;
	spf=pass smtp.mailfrom=k.mueller@baumaschinen-mueller.de
From: ` + ewQ("ISO-8859-1", latin1("Klaus Müller")) + ` <k.mueller@baumaschinen-mueller.de>
To: Wang Jun <wang.jun@nhe-machinery.com>
Subject: ` + ewQ("ISO-8859-1", latin1("Lieferung Ersatzteile für SY365")) + `
Date: Tue, 24 Nov 2026 09:39:55 +0100
Message-ID: <4b1f2e3d-5c6a-7b8c-9d0e-1f2a3b4c5d6e@baumaschinen-mueller.de>
In-Reply-To: <7e8f9a0b-1c2d-3e4f-5a6b-7c8d9e0f1a2b@nhe-machinery.com>
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: de-DE
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

` + qp(latin1(plain))}
}

func utf8QP() fixtureSource {
	plain := "A28 完成 ✅ 客户很满意，下个月还要再订两台压路机，具体型号等他们工程部确认后再告诉我们，预计 12 月 5 日前有结果。\nA29 推迟到下周一\n\n-- \n王军\n北方重工 销售部 | 139 0139 5136\n"
	return fixtureSource{name: "15-utf8-qp", want: "A28 完成 ✅ 客户很满意，下个月还要再订两台压路机，具体型号等他们工程部确认后再告诉我们，预计 12 月 5 日前有结果。\nA29 推迟到下周一", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from webmail.nhe-machinery.com (localhost [127.0.0.1])
	by smtp.nhe-machinery.com (Postfix) with ESMTPA id 4Ck5R21pLxz1y2
	for <crm@nhe-machinery.com>; Tue, 24 Nov 2026 17:02:40 +0800 (CST)
MIME-Version: 1.0
Date: Tue, 24 Nov 2026 17:02:40 +0800
From: =?UTF-8?Q?=E7=8E=8B=E5=86=9B?= <wang.jun@nhe-machinery.com>
To: crm@nhe-machinery.com
Subject: =?UTF-8?Q?A28_=E5=AE=8C=E6=88=90?=
Message-ID: <c0f1e2d3b4a5968778695a4b3c2d1e0f@nhe-machinery.com>
X-Sender: wang.jun@nhe-machinery.com
User-Agent: Roundcube Webmail/1.6.9
Content-Type: text/plain; charset=UTF-8;
 format=flowed
Content-Transfer-Encoding: quoted-printable

` + qp(utf8b(plain))}
}

func utf8Base64() fixtureSource {
	plain := "Liu,\n\nHengyuan confirmed the order: 1 x SW956K loader, delivery Dec 15.\n合同明天寄出。\n\nWang Jun\n\n> On 23 Nov 2026, at 09:14, Liu Yang <liu.yang@nhe-machinery.com> wrote:\n> \n> Any news from Hengyuan?\n> \n"
	return fixtureSource{name: "16-utf8-base64", want: "Liu,\n\nHengyuan confirmed the order: 1 x SW956K loader, delivery Dec 15.\n合同明天寄出。\n\nWang Jun", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from smtpclient.apple (unknown [117.136.8.44])
	by smtp.nhe-machinery.com (Postfix) with ESMTPSA id 4Ck5V83nQbz1y3
	for <liu.yang@nhe-machinery.com>; Tue, 24 Nov 2026 17:30:12 +0800 (CST)
Content-Type: text/plain;
	charset=utf-8
Content-Transfer-Encoding: base64
Mime-Version: 1.0 (Mac OS X Mail 16.0 \(3826.200.121\))
Subject: Re: Hengyuan order
From: Wang Jun <wang.jun@nhe-machinery.com>
In-Reply-To: <9A8B7C6D-5E4F-4A3B-2C1D-0E9F8A7B6C5D@nhe-machinery.com>
Date: Tue, 24 Nov 2026 17:30:05 +0800
Cc: crm@nhe-machinery.com
Message-Id: <1F2E3D4C-5B6A-4798-8A9B-0C1D2E3F4A5B@nhe-machinery.com>
References: <9A8B7C6D-5E4F-4A3B-2C1D-0E9F8A7B6C5D@nhe-machinery.com>
To: Liu Yang <liu.yang@nhe-machinery.com>
X-Mailer: Apple Mail (2.3826.200.121)

` + b64(utf8b(plain))}
}

// A 1x1 transparent PNG.
const tinyPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

func htmlOnlyOutlook() fixtureSource {
	html := `<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=us-ascii">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face
	{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0in;
	font-size:11.0pt;
	font-family:"Calibri",sans-serif;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]-->
</head>
<body lang="EN-US" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">
<div class="WordSection1">
<p class="MsoNormal">Hi Liu,<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Visited Dongfang Mining &amp; met purchasing.<o:p></o:p></p>
<p class="MsoNormal">A30 done<br>
A31 postpone to Monday<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Regards,<o:p></o:p></p>
<p class="MsoNormal">Wang Jun<o:p></o:p></p>
<p class="MsoNormal"><img width="120" height="40" style="width:1.25in;height:.4166in" id="Picture_x0020_1" src="cid:image001.png@01DB3D5A.6C2E1F40" alt="NHE"><o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">
<p class="MsoNormal"><b>From:</b> Liu Yang &lt;liu.yang@nhe-machinery.com&gt;
<br>
<b>Sent:</b> Monday, November 23, 2026 9:14 AM<br>
<b>To:</b> Wang Jun &lt;wang.jun@nhe-machinery.com&gt;<br>
<b>Subject:</b> Dongfang Mining<o:p></o:p></p>
</div>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Please visit Dongfang this week.<o:p></o:p></p>
</div>
</body>
</html>
`
	return fixtureSource{name: "17-html-only-outlook", want: "Hi Liu,\n\nVisited Dongfang Mining & met purchasing.\nA30 done\nA31 postpone to Monday\n\nRegards,\nWang Jun", eml: recvOutlook + `From: Wang Jun <wang.jun@nhe-machinery.com>
To: Liu Yang <liu.yang@nhe-machinery.com>
CC: crm <crm@nhe-machinery.com>
Subject: RE: Dongfang Mining
Thread-Topic: Dongfang Mining
Thread-Index: AQHbPVpsLh9AxH3kT0mW2n5oJqC8VbTgh5YwgAAB3oA=
Date: Mon, 23 Nov 2026 10:55:31 +0000
Message-ID: <PS2PR01MB2345C0FFEE1234567890ABCDEF12@PS2PR01MB2345.apcprd01.prod.exchangelabs.com>
References: <PS2PR01MB2345AAAA@PS2PR01MB2345.apcprd01.prod.exchangelabs.com>
In-Reply-To: <PS2PR01MB2345AAAA@PS2PR01MB2345.apcprd01.prod.exchangelabs.com>
Accept-Language: en-US
Content-Language: en-US
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator:
Content-Type: multipart/related;
	boundary="_004_PS2PR01MB2345C0FFEE1234567890ABCDEF12PS2PR01MB2345apcp_";
	type="text/html"
MIME-Version: 1.0

--_004_PS2PR01MB2345C0FFEE1234567890ABCDEF12PS2PR01MB2345apcp_
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

` + qp(utf8b(html)) + `
--_004_PS2PR01MB2345C0FFEE1234567890ABCDEF12PS2PR01MB2345apcp_
Content-Type: image/png; name="image001.png"
Content-Description: image001.png
Content-Disposition: inline; filename="image001.png"; size=70;
	creation-date="Mon, 23 Nov 2026 10:55:30 GMT";
	modification-date="Mon, 23 Nov 2026 10:55:30 GMT"
Content-ID: <image001.png@01DB3D5A.6C2E1F40>
Content-Transfer-Encoding: base64

` + tinyPNG + `

--_004_PS2PR01MB2345C0FFEE1234567890ABCDEF12PS2PR01MB2345apcp_--
`}
}

func htmlBlockquote() fixtureSource {
	html := `<div dir="ltr">A32 done, met site manager<div>A33 reject - duplicate of A30</div><div><br></div><div>Wang</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Nov 23, 2026 at 9:14 AM Liu Yang &lt;<a href="mailto:liu.yang@nhe-machinery.com">liu.yang@nhe-machinery.com</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex"><div dir="ltr">Status of A32 and A33?<div><br></div><div>Liu</div></div></blockquote></div>
`
	return fixtureSource{name: "18-html-blockquote", want: "A32 done, met site manager\nA33 reject - duplicate of A30\n\nWang", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from webmail.nhe-machinery.com (localhost [127.0.0.1])
	by smtp.nhe-machinery.com (Postfix) with ESMTPA id 4Ck5Y41rPcz1y4
	for <crm@nhe-machinery.com>; Mon, 23 Nov 2026 11:20:40 +0800 (CST)
From: Wang Jun <wang.jun@nhe-machinery.com>
To: crm@nhe-machinery.com
Subject: Re: Status A32 A33
Date: Mon, 23 Nov 2026 11:20:38 +0800
Message-ID: <html-only-7c1d2e3f@nhe-machinery.com>
MIME-Version: 1.0
X-Mailer: Zimbra 10.0.8_GA_4612 (ZimbraWebClient - GC130 (Win)/10.0.8_GA_4612)
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

` + qp(utf8b(html))}
}

func alternativeDiffer() fixtureSource {
	return fixtureSource{name: "19-alternative-differ", want: "A34 done\nA35 assign li", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from [10.8.0.12] (unknown [117.136.8.44])
	by smtp.nhe-machinery.com (Postfix) with ESMTPSA id 4Ck5Z91sTdz1y5
	for <crm@nhe-machinery.com>; Mon, 23 Nov 2026 11:45:12 +0800 (CST)
From: Wang Jun <wang.jun@nhe-machinery.com>
To: crm@nhe-machinery.com
Subject: updates
Date: Mon, 23 Nov 2026 11:45:10 +0800
Message-ID: <alt-differ-0001@nhe-machinery.com>
MIME-Version: 1.0
X-Mailer: eM Client 10.1.4588.0
Content-Type: multipart/alternative;
 boundary="------=_MBDBCA1F2E-3D4C-5B6A-7980-8A9B0C1D2E3F"

--------=_MBDBCA1F2E-3D4C-5B6A-7980-8A9B0C1D2E3F
Content-Type: text/plain; format=flowed; charset=utf-8
Content-Transfer-Encoding: quoted-printable

A34 done
A35 assign li

--------=_MBDBCA1F2E-3D4C-5B6A-7980-8A9B0C1D2E3F
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: quoted-printable

<html><head><style id=3D"css_styles">blockquote.cite { margin-left: 5px; }</style></head><body><div>HTML VERSION</div><div>A34 done and more</div><div>A35 assign li</div><div>A99 this line exists only in HTML</div></body></html>

--------=_MBDBCA1F2E-3D4C-5B6A-7980-8A9B0C1D2E3F--
`}
}

func forwardGmail() fixtureSource {
	return fixtureSource{name: "20-forward-gmail", want: "Liu, FYI - this customer wants a demo of the SY215C next week, can you assign someone?", eml: recvGmail + `From: Wang Jun <wang.jun.nhe@gmail.com>
Date: Tue, 24 Nov 2026 08:31:12 +0800
Message-ID: <CAK9f2QY7p=Fw0dX2nB4vC6@mail.gmail.com>
Subject: Fwd: Demo request
To: Liu Yang <liu.yang@nhe-machinery.com>
Cc: crm@nhe-machinery.com
Content-Type: text/plain; charset="UTF-8"

Liu, FYI - this customer wants a demo of the SY215C next week, can you assign someone?

---------- Forwarded message ---------
From: Zhao Jianguo <zhao.jianguo@dongfang-mining.cn>
Date: Mon, Nov 23, 2026 at 8:02 AM
Subject: Demo request
To: <wang.jun.nhe@gmail.com>


Dear Mr. Wang,

We would like to see the SY215C working at our site next week.

Best regards,
Zhao Jianguo
`}
}

func topPostedSamsung() fixtureSource {
	return fixtureSource{name: "21-top-posted-samsung", want: "On my way to Hengyuan now. A36 done", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from [100.84.17.201] (unknown [117.136.8.44])
	by smtp.nhe-machinery.com (Postfix) with ESMTPSA id 4Ck6B11qVfz1y6
	for <liu.yang@nhe-machinery.com>; Mon, 23 Nov 2026 09:31:49 +0800 (CST)
Date: Mon, 23 Nov 2026 09:31:44 +0800
Message-ID: <a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d@email.android.com>
In-Reply-To: <e6f7a8b9-0c1d-4e2f-a3b4-c5d6e7f8a9b0@nhe-machinery.com>
From: Wang Jun <wang.jun@nhe-machinery.com>
To: Liu Yang <liu.yang@nhe-machinery.com>
Cc: crm@nhe-machinery.com
Subject: RE: Hengyuan
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
X-Mailer: Samsung Email

On my way to Hengyuan now. A36 done

Sent from my Galaxy


-------- Original message --------
From: Liu Yang <liu.yang@nhe-machinery.com>
Date: 11/23/26 09:14 (GMT+08:00)
To: Wang Jun <wang.jun@nhe-machinery.com>
Subject: Hengyuan

Are you going to Hengyuan today?
`}
}

func bottomPosted() fixtureSource {
	return fixtureSource{name: "22-bottom-posted", want: "Yes, signed contract arrived this morning.\nA37 done", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from [192.168.1.23] (unknown [117.136.8.44])
	by smtp.nhe-machinery.com (Postfix) with ESMTPSA id 4Ck6D72xHgz1y7
	for <crm@nhe-machinery.com>; Tue, 24 Nov 2026 10:05:33 +0800 (CST)
Message-ID: <9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b@nhe-machinery.com>
Date: Tue, 24 Nov 2026 10:05:31 +0800
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: Dongfang contract
To: Liu Yang <liu.yang@nhe-machinery.com>, crm@nhe-machinery.com
References: <1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d@nhe-machinery.com>
From: Wang Jun <wang.jun@nhe-machinery.com>
In-Reply-To: <1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d@nhe-machinery.com>
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

On 11/23/26 9:14 AM, Liu Yang wrote:
> Did you get the signed contract from Dongfang?
> 
> Liu

Yes, signed contract arrived this morning.
A37 done

-- 
Wang Jun
Sales, Shenyang
`}
}

func interleaved() fixtureSource {
	return fixtureSource{name: "23-interleaved", want: "Yes, Tuesday. Met purchasing.\n\nNot yet, sending it Wednesday.\n\nThey asked about financing for 3 years.", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from laptop.lan (unknown [117.136.8.44])
	by smtp.nhe-machinery.com (Postfix) with ESMTPSA id 4Ck6G43yJhz1y8
	for <liu.yang@nhe-machinery.com>; Tue, 24 Nov 2026 11:10:20 +0800 (CST)
Date: Tue, 24 Nov 2026 11:10:18 +0800
From: Wang Jun <wang.jun@nhe-machinery.com>
To: Liu Yang <liu.yang@nhe-machinery.com>
Cc: crm@nhe-machinery.com
Subject: Re: ACME questions
Message-ID: <20261124031018.GA4242@laptop.lan>
References: <20261123011402.GB1717@nhe-machinery.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Disposition: inline
In-Reply-To: <20261123011402.GB1717@nhe-machinery.com>
User-Agent: Mutt/2.2.12 (2023-09-09)

On Mon, Nov 23, 2026 at 09:14:02AM +0800, Liu Yang wrote:
> Did you visit ACME?

Yes, Tuesday. Met purchasing.

> Did they get the quote?

Not yet, sending it Wednesday.

> Anything else?

They asked about financing for 3 years.
`}
}

func commandsSignature() fixtureSource {
	return fixtureSource{name: "24-commands-signature", want: "DONE #17 met purchasing -- next: call mon\nA18 done -- wants quote\nNEW LEAD Shenyang Heavy Industries, Zhao 13901395136", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from webmail.nhe-machinery.com (localhost [127.0.0.1])
	by smtp.nhe-machinery.com (Postfix) with ESMTPA id 4Ck6J21zKjz1y9
	for <crm@nhe-machinery.com>; Tue, 24 Nov 2026 12:00:05 +0800 (CST)
MIME-Version: 1.0
Date: Tue, 24 Nov 2026 12:00:05 +0800
From: Wang Jun <wang.jun@nhe-machinery.com>
To: crm@nhe-machinery.com
Subject: today
Message-ID: <5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f@nhe-machinery.com>
User-Agent: Roundcube Webmail/1.6.9
Content-Type: text/plain; charset=US-ASCII
Content-Transfer-Encoding: 7bit

DONE #17 met purchasing -- next: call mon
A18 done -- wants quote
NEW LEAD Shenyang Heavy Industries, Zhao 13901395136
-- 
Wang Jun
Sales, Shenyang
`}
}

// A tiny but well-formed PDF.
const tinyPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

func attachmentPDFZH() fixtureSource {
	return fixtureSource{name: "25-attachment-pdf-zh", want: "Quote attached.\nA38 done", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from WANGJUN-PC (unknown [117.136.8.44])
	by smtp.nhe-machinery.com (Postfix) with ESMTPSA id 4Ck6L63aLkz1yB
	for <crm@nhe-machinery.com>; Tue, 24 Nov 2026 14:20:41 +0800 (CST)
From: Wang Jun <wang.jun@nhe-machinery.com>
To: Zhao Jianguo <zhao.jianguo@dongfang-mining.cn>
Cc: crm@nhe-machinery.com
Subject: =?UTF-8?B?5oql5Lu35Y2V?= SY215C
Date: Tue, 24 Nov 2026 14:20:37 +0800
Message-ID: <001f01db3e0a$c3d4e5f0$4b5c6d70$@nhe-machinery.com>
MIME-Version: 1.0
Content-Type: multipart/mixed;
	boundary="----=_NextPart_000_0020_01DB3E4D.D1F825F0"
X-Mailer: Microsoft Outlook 16.0
Thread-Index: AdtB+gq9Sk3xZwAbCdEfGhIjKlMnOp==
Content-Language: zh-cn

This is a multipart message in MIME format.

------=_NextPart_000_0020_01DB3E4D.D1F825F0
Content-Type: text/plain;
	charset="utf-8"
Content-Transfer-Encoding: 7bit

Quote attached.
A38 done

------=_NextPart_000_0020_01DB3E4D.D1F825F0
Content-Type: application/pdf;
	name="=?utf-8?B?5oql5Lu35Y2VX+S4nOaWueefv+S4mi5wZGY=?="
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
	filename*0*=utf-8''%E6%8A%A5%E4%BB%B7%E5%8D%95_%E4%B8%9C;
	filename*1*=%E6%96%B9%E7%9F%BF%E4%B8%9A.pdf

` + b64(utf8b(tinyPDF)) + `
------=_NextPart_000_0020_01DB3E4D.D1F825F0--
`}
}

func wrongUSASCII() fixtureSource {
	return fixtureSource{name: "26-wrong-charset-usascii", want: "A39 完成，客户 Müller 确认订单。\n交货期 12 月 20 日。", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from localhost (unknown [117.136.8.44])
	by smtp.nhe-machinery.com (Postfix) with ESMTPSA id 4Ck6P13bMmz1yC
	for <crm@nhe-machinery.com>; Tue, 24 Nov 2026 15:02:11 +0800 (CST)
From: Wang Jun <wang.jun@nhe-machinery.com>
To: crm@nhe-machinery.com
Subject: Re: 订单确认
Date: Tue, 24 Nov 2026 15:02:09 +0800
Message-ID: <wrong-ascii-4471@nhe-machinery.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 8bit
X-Mailer: PHPMailer 6.9.1 (https://github.com/PHPMailer/PHPMailer)

A39 完成，客户 Müller 确认订单。
交货期 12 月 20 日。
`}
}

func wrongGB2312() fixtureSource {
	plain := "王经理：\n我是刘䶮，镕鑫机械的采购。上次说的配件请寄到新厂。\n谢谢\n"
	return fixtureSource{name: "27-wrong-charset-gb2312", want: "王经理：\n我是刘䶮，镕鑫机械的采购。上次说的配件请寄到新厂。\n谢谢", eml: `Return-Path: <liuyan@rongxin-jx.cn>
Received: from mail.rongxin-jx.cn (unknown [198.51.100.90])
	by mx.nhe-machinery.com (Postfix) with ESMTP id 4Ck6S52cNpz1yD
	for <wang.jun@nhe-machinery.com>; Tue, 24 Nov 2026 15:40:55 +0800 (CST)
From: ` + ewB("gb2312", gb18030("刘䶮")) + ` <liuyan@rongxin-jx.cn>
To: wang.jun@nhe-machinery.com
Subject: ` + ewB("gb2312", gb18030("镕鑫机械 配件地址")) + `
Date: Tue, 24 Nov 2026 15:40:50 +0800
Message-ID: <20261124154050.7731@rongxin-jx.cn>
MIME-Version: 1.0
Content-Type: text/plain; charset="gb2312"
Content-Transfer-Encoding: base64
X-Mailer: Foxmail 6, 15, 201, 23 [cn]

` + b64(gb18030(plain))}
}

func digestReply() fixtureSource {
	return fixtureSource{name: "28-digest-reply", want: "A17 done met purchasing\nA18 assign li", eml: recvGmail + `References: <digest-20261124-wang.jun@nhe-machinery.com>
In-Reply-To: <digest-20261124-wang.jun@nhe-machinery.com>
From: Wang Jun <wang.jun.nhe@gmail.com>
Date: Tue, 24 Nov 2026 07:42:18 +0800
Message-ID: <CAK9f2QZ0kLm=Np3qR5sT7uV9wX1yZ@mail.gmail.com>
Subject: Re: Your activities for Tue 24 Nov
To: fieldcrm <crm@nhe-machinery.com>
Content-Type: text/plain; charset="UTF-8"

A17 done met purchasing
A18 assign li

On Tue, Nov 24, 2026 at 7:00 AM fieldcrm <crm@nhe-machinery.com> wrote:

> Good morning Wang Jun, your open activities:
> [A17] visit ACME Mining - due today
> [A18] call Hengyuan about loader - due today
> Reply with e.g. "A17 done" or "A18 assign li".
>
`}
}

func appleIPhoneZH() fixtureSource {
	plain := "好的，明天上午去东方矿业。\nA40 完成\n\n发自我的iPhone\n\n> 在 2026年11月23日，09:14，刘洋 <liu.yang@nhe-machinery.com> 写道：\n> \n> 明天能去东方矿业吗？\n"
	return fixtureSource{name: "29-apple-iphone-zh", want: "好的，明天上午去东方矿业。\nA40 完成", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from smtpclient.apple (unknown [117.136.8.44])
	by smtp.nhe-machinery.com (Postfix) with ESMTPSA id 4Ck6V23dPqz1yF
	for <liu.yang@nhe-machinery.com>; Mon, 23 Nov 2026 20:40:12 +0800 (CST)
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64
From: =?utf-8?B?546L5Yab?= <wang.jun@nhe-machinery.com>
Mime-Version: 1.0 (1.0)
Subject: =?utf-8?B?5Zue5aSN77ya5Lic5pa555+/5Lia?=
Date: Mon, 23 Nov 2026 20:40:05 +0800
Message-Id: <3C2B1A09-F8E7-4D6C-B5A4-938271605F4E@nhe-machinery.com>
References: <E1D2C3B4-A596-4877-8695-A4B3C2D1E0F9@nhe-machinery.com>
In-Reply-To: <E1D2C3B4-A596-4877-8695-A4B3C2D1E0F9@nhe-machinery.com>
To: =?utf-8?B?5YiY5rSL?= <liu.yang@nhe-machinery.com>
X-Mailer: iPhone Mail (22B83)

` + b64(utf8b(plain))}
}

func forwardRFC822() fixtureSource {
	return fixtureSource{name: "30-forward-rfc822", want: "Please check this customer request and create a lead.\nNEW LEAD Dongfang Mining, Zhao 13901395136", eml: `Return-Path: <wang.jun@nhe-machinery.com>
Received: from [192.168.1.23] (unknown [117.136.8.44])
	by smtp.nhe-machinery.com (Postfix) with ESMTPSA id 4Ck6X83eQrz1yG
	for <crm@nhe-machinery.com>; Tue, 24 Nov 2026 16:12:44 +0800 (CST)
Message-ID: <fwd-inline-2b3c4d5e@nhe-machinery.com>
Date: Tue, 24 Nov 2026 16:12:40 +0800
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
From: Wang Jun <wang.jun@nhe-machinery.com>
To: crm@nhe-machinery.com
Subject: Fwd: =?UTF-8?B?6K+i5Lu3?=
Content-Type: multipart/mixed; boundary="------------Xq3mN5pR7tV9xZ1bD3fH5jL7"

This is a multi-part message in MIME format.
--------------Xq3mN5pR7tV9xZ1bD3fH5jL7
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 7bit

Please check this customer request and create a lead.
NEW LEAD Dongfang Mining, Zhao 13901395136

--------------Xq3mN5pR7tV9xZ1bD3fH5jL7
Content-Type: message/rfc822
Content-Disposition: inline

Return-Path: <zhao.jianguo@dongfang-mining.cn>
From: =?UTF-8?B?6LW15bu65Zu9?= <zhao.jianguo@dongfang-mining.cn>
To: wang.jun@nhe-machinery.com
Subject: =?UTF-8?B?6K+i5Lu3?=
Date: Tue, 24 Nov 2026 15:55:02 +0800
Message-ID: <inner-9f8e7d6c@dongfang-mining.cn>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

王先生：我们需要一台装载机，请报价。
赵建国

--------------Xq3mN5pR7tV9xZ1bD3fH5jL7--
`}
}

func outlookAndroid() fixtureSource {
	return fixtureSource{name: "31-outlook-android", want: "A41 done, delivered the bucket", eml: `Return-Path: <wangjun.sales@outlook.com>
Received: from APC01-SG2-obe.outbound.protection.outlook.com (mail-sgaapc01olkn2080.outbound.protection.outlook.com [40.92.53.80])
	by mx.nhe-machinery.com (Postfix) with ESMTPS id 4Ck6Z14fRsz1yH
	for <liu.yang@nhe-machinery.com>; Tue, 24 Nov 2026 17:20:03 +0800 (CST)
Authentication-Results: mx.nhe-machinery.com;
	dkim=pass header.d=outlook.com;
	spf=pass smtp.mailfrom=wangjun.sales@outlook.com;
	dmarc=pass header.from=outlook.com
From: Wang Jun <wangjun.sales@outlook.com>
To: Liu Yang <liu.yang@nhe-machinery.com>
CC: "crm@nhe-machinery.com" <crm@nhe-machinery.com>
Subject: Re: bucket delivery
Thread-Topic: bucket delivery
Thread-Index: AQHbPm3aZ2x5Y3RvbmRvbmcAAB==
Date: Tue, 24 Nov 2026 09:20:01 +0000
Message-ID: <TYZPR01MB7890F0E1D2C3B4A5968778695A4B@TYZPR01MB7890.apcprd01.prod.outlook.com>
Content-Language: en-US
X-MS-Has-Attach:
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

A41 done, delivered the bucket

Get Outlook for Android<https://aka.ms/AAb9ysg>
________________________________
From: Liu Yang <liu.yang@nhe-machinery.com>
Sent: Monday, November 23, 2026 9:14:11 AM
To: Wang Jun <wangjun.sales@outlook.com>
Subject: bucket delivery

Was the bucket delivered?
`}
}

func bounceDSN() fixtureSource {
	text := `This is the mail system at host mx.nhe-machinery.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

<zhao@old-dongfang.cn>: host mx.old-dongfang.cn[203.0.113.7] said: 550 5.1.1
    User unknown (in reply to RCPT TO command)`
	return fixtureSource{name: "32-bounce-dsn", want: text, eml: `Return-Path: <>
Received: by mx.nhe-machinery.com (Postfix)
	id 4Ck7B26gTtz1yJ; Tue, 24 Nov 2026 18:00:09 +0800 (CST)
Date: Tue, 24 Nov 2026 18:00:09 +0800 (CST)
From: MAILER-DAEMON@mx.nhe-machinery.com (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: crm@nhe-machinery.com
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="4Ck7B26gTtz1yJ.1795442409/mx.nhe-machinery.com"
Message-Id: <20261124100009.4Ck7B26gTtz1yJ@mx.nhe-machinery.com>

This is a MIME-encapsulated message.

--4Ck7B26gTtz1yJ.1795442409/mx.nhe-machinery.com
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

` + text + `

--4Ck7B26gTtz1yJ.1795442409/mx.nhe-machinery.com
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.nhe-machinery.com
X-Postfix-Queue-ID: 4Ck7B26gTtz1yJ
Arrival-Date: Tue, 24 Nov 2026 17:59:58 +0800 (CST)

Final-Recipient: rfc822; zhao@old-dongfang.cn
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--4Ck7B26gTtz1yJ.1795442409/mx.nhe-machinery.com
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

Return-Path: <crm@nhe-machinery.com>
From: fieldcrm <crm@nhe-machinery.com>
To: zhao@old-dongfang.cn
Subject: Your quote
Message-Id: <crm-out-5521@nhe-machinery.com>

--4Ck7B26gTtz1yJ.1795442409/mx.nhe-machinery.com--
`}
}

func base64Std(b []byte) string { return base64StdEncode(b) }
