{{%AUTOESCAPE context="HTML"}}
<h1>Set up two-step login</h1>
{{#HAS_ERRORS}}<p class="form-error" role="alert">Two-step login is not on yet.</p>{{/HAS_ERRORS}}
<ol class="steps">
<li>
<p>Open your authenticator app, add an account, and scan this QR code:</p>
<img class="qr" src="{{BASE}}/profile/two-factor/qr.svg" alt="QR code for your authenticator app; the same key is written below" width="200" height="200">
<p>If you cannot scan it, type this key into the app instead (time-based, 6 digits, every 30 seconds):</p>
<p><code class="secret" id="secret">{{SECRET}}</code></p>
</li>
<li>
<p>Enter the 6-digit code the app shows now. Two-step login is on once the code is right.</p>
<form method="post" action="{{BASE}}/profile/two-factor/confirm" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<div class="field">
<label for="code">Code from the app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="32" required{{#CODE_ERROR}} aria-invalid="true" aria-describedby="code-error"{{/CODE_ERROR}}>
{{#CODE_ERROR}}<p class="error" id="code-error">{{CODE_ERROR}}</p>{{/CODE_ERROR}}
</div>
<button type="submit">Turn two-step login on</button>
</form>
</li>
</ol>
<p>This key works for 30 minutes. <a href="{{BASE}}/profile/two-factor">Cancel</a>: nothing changes.</p>
