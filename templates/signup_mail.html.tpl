{{%AUTOESCAPE context="HTML"}}<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Confirm your email address</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1d2330;">
<p>Hello,</p>
<p>someone (hopefully you) asked to create an account at {{SITE}} with this email address.</p>
<p>To confirm the address and create the account, open this link within {{VALID_FOR}} and enter the password you chose:</p>
<p><a href="{{LINK}}" rel="noreferrer">Confirm and create the account</a></p>
<p style="word-break: break-all; font-size: 90%;">{{LINK}}</p>
<p>The link works once. If you did not ask for an account, ignore this email: no account is made.</p>
<p style="font-size: 90%;">{{SITE_NAME}}, {{SITE}}</p>
</body>
</html>
