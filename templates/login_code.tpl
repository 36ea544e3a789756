{{%AUTOESCAPE context="HTML"}}
<h1>Enter your code</h1>
{{#HAS_ERRORS}}<p class="form-error" role="alert">You are not logged in yet.</p>{{/HAS_ERRORS}}
<p class="lead">Your password was right. Two-step login is on for this account: open your authenticator app and enter the code it shows.</p>
<form method="post" action="{{BASE}}/login/code" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="next" value="{{NEXT}}">
<div class="field">
<label for="code">Code</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="32" required autofocus aria-describedby="code-hint{{#CODE_ERROR}} code-error{{/CODE_ERROR}}"{{#CODE_ERROR}} aria-invalid="true"{{/CODE_ERROR}}>
<p class="hint" id="code-hint">6 digits. Lost your phone? Enter one of your recovery codes instead.</p>
{{#CODE_ERROR}}<p class="error" id="code-error">{{CODE_ERROR}}</p>{{/CODE_ERROR}}
</div>
<button type="submit">Log in</button>
</form>
<p>This step must be done within 5 minutes of the password. <a href="{{BASE}}/login">Start again</a>.</p>
