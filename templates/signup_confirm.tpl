{{%AUTOESCAPE context="HTML"}}
<h1>Confirm your email address</h1>
{{#HAS_ERRORS}}<p class="form-error" role="alert">Please correct the marked fields.</p>{{/HAS_ERRORS}}
<p class="lead">Create your account with the address <strong>{{EMAIL}}</strong>. You will be logged in at once.</p>
<form method="post" action="{{BASE}}/register/confirm" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="token" value="{{TOKEN}}">
<input type="text" name="username" autocomplete="username" value="{{EMAIL}}" hidden>
<div class="field">
<label for="password">The password you chose when you signed up</label>
<input id="password" name="password" type="password" autocomplete="current-password" maxlength="128" required{{#PASSWORD_ERROR}} aria-invalid="true" aria-describedby="password-error"{{/PASSWORD_ERROR}}>
{{#PASSWORD_ERROR}}<p class="error" id="password-error">{{PASSWORD_ERROR}}</p>{{/PASSWORD_ERROR}}
</div>
<button type="submit">Create my account</button>
</form>
<p>If you did not ask for an account here, close this page: no account is made.</p>
