{{%AUTOESCAPE context="HTML"}}<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Someone tried to create an account with your address</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1d2330;">
<p>Hello {{NAME}},</p>
<p>someone tried to create an account with this address at {{SITE}}. The address already has an account, yours, and nothing about it has changed.</p>
<p>If it was you, <a href="{{LOGIN_LINK}}" rel="noreferrer">log in</a> or <a href="{{RESET_LINK}}" rel="noreferrer">reset your password</a>.</p>
<p style="word-break: break-all; font-size: 90%;">Log in: {{LOGIN_LINK}}<br>Reset your password: {{RESET_LINK}}</p>
<p>If it was not you, you need not do anything.</p>
<p style="font-size: 90%;">{{SITE_NAME}}, {{SITE}}</p>
</body>
</html>
