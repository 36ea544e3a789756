{{%AUTOESCAPE context="HTML"}}
<h1>Log in</h1>
{{#HAS_ERRORS}}<p class="form-error" role="alert">Please correct the marked fields.</p>{{/HAS_ERRORS}}
{{#UNCONFIRMED}}<div class="form-error confirm-first" role="alert">
<p>Confirm your email address first: open the link we sent to <strong>{{EMAIL}}</strong> when you created your account.</p>
<form method="post" action="{{BASE}}/register/resend" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="email" value="{{EMAIL}}">
<button type="submit" class="secondary">Send the link again</button>
</form>
</div>{{/UNCONFIRMED}}
{{#PASSKEY_ERROR}}<p class="form-error" id="passkey-error" role="alert">{{PASSKEY_MESSAGE}}</p>{{/PASSKEY_ERROR}}
<form method="post" action="{{BASE}}/login" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="next" value="{{NEXT}}">
<div class="field">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="username webauthn" maxlength="254" required value="{{EMAIL}}"{{#EMAIL_ERROR}} aria-invalid="true" aria-describedby="email-error"{{/EMAIL_ERROR}}>
{{#EMAIL_ERROR}}<p class="error" id="email-error">{{EMAIL_ERROR}}</p>{{/EMAIL_ERROR}}
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" maxlength="128" required{{#PASSWORD_ERROR}} aria-invalid="true" aria-describedby="password-error"{{/PASSWORD_ERROR}}>
{{#PASSWORD_ERROR}}<p class="error" id="password-error">{{PASSWORD_ERROR}}</p>{{/PASSWORD_ERROR}}
</div>
<button type="submit">Log in</button>
</form>
<form id="passkey-login" method="post" action="{{BASE}}/login/passkey" data-challenge-url="{{BASE}}/login/passkey/challenge" hidden>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="next" value="{{NEXT}}">
<input type="hidden" name="credential_id">
<input type="hidden" name="client_data">
<input type="hidden" name="authenticator_data">
<input type="hidden" name="signature">
<input type="hidden" name="user_handle">
<p class="or">or</p>
<button type="button" class="secondary" id="passkey-login-button">Log in with a passkey</button>
<p class="error" id="passkey-login-status" role="status" hidden></p>
</form>
<p>No account yet? <a href="{{BASE}}/register">Create one</a>. Forgot your password? <a href="{{BASE}}/reset">Reset it</a>.</p>
