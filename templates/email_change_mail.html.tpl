{{%AUTOESCAPE context="HTML"}}<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Confirm your new email address</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #1d2330;">
<p>Hello {{NAME}},</p>
<p>someone (hopefully you) asked to use this address, {{NEW_EMAIL}}, for the account at {{SITE}}.</p>
<p>To confirm, open this link within {{VALID_FOR}}:</p>
<p><a href="{{LINK}}" rel="noreferrer">Confirm the new address</a></p>
<p style="word-break: break-all; font-size: 90%;">{{LINK}}</p>
<p>The link works once. If you did not ask for it, ignore this email: nothing changes.</p>
<p style="font-size: 90%;">{{SITE_NAME}}, {{SITE}}</p>
</body>
</html>
