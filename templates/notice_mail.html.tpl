{{%AUTOESCAPE context="HTML"}}<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Account notice</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1d2330;">
<p>Hello {{NAME}},</p>
<p>{{WHAT}}</p>
<table role="presentation" style="border-collapse: collapse;">
<tr><th scope="row" style="text-align: left; padding-right: 1em;">When</th><td>{{WHEN}}</td></tr>
{{#FROM}}<tr><th scope="row" style="text-align: left; padding-right: 1em;">From the address</th><td>{{FROM_ADDRESS}}</td></tr>{{/FROM}}
</table>
<p>{{ADVICE}}</p>
{{#RESET}}<p><a href="{{RESET_LINK}}" rel="noreferrer">Reset your password</a></p>{{/RESET}}
<p style="font-size: 90%;">This is an automatic notice from {{SITE}}; it asks you for nothing.</p>
<p style="font-size: 90%;">{{SITE_NAME}}, {{SITE}}</p>
</body>
</html>
