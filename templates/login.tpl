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
<form method="post" action="{{BASE}}/login" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="next" value="{{NEXT}}">
<div class="field">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="username" maxlength="254" required value="{{EMAIL}}"{{#EMAIL_ERROR}} aria-invalid="true" aria-describedby="email-error"{{/EMAIL_ERROR}}>
{{#EMAIL_ERROR}}<p class="error" id="email-error">{{EMAIL_ERROR}}</p>{{/EMAIL_ERROR}}
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" maxlength="128" required{{#PASSWORD_ERROR}} aria-invalid="true" aria-describedby="password-error"{{/PASSWORD_ERROR}}>
{{#PASSWORD_ERROR}}<p class="error" id="password-error">{{PASSWORD_ERROR}}</p>{{/PASSWORD_ERROR}}
</div>
<button type="submit">Log in</button>
</form>
<p>No account yet? <a href="{{BASE}}/register">Create one</a>. Forgot your password? <a href="{{BASE}}/reset">Reset it</a>.</p>
