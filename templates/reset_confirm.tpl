{{%AUTOESCAPE context="HTML"}}
<h1>Choose a new password</h1>
<p>For the account <strong>{{EMAIL}}</strong>. Setting it logs you out everywhere; then log in with the new password.</p>
{{#HAS_ERRORS}}<p class="form-error" role="alert">Please correct the marked fields.</p>{{/HAS_ERRORS}}
<form method="post" action="{{BASE}}/reset/confirm" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="token" value="{{TOKEN}}">
<input type="text" name="username" autocomplete="username" value="{{EMAIL}}" hidden>
<div class="field">
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="{{MIN_LENGTH}}" maxlength="128" required aria-describedby="password-hint{{#PASSWORD_ERROR}} password-error{{/PASSWORD_ERROR}}"{{#PASSWORD_ERROR}} aria-invalid="true"{{/PASSWORD_ERROR}}>
<p class="hint" id="password-hint">At least {{MIN_LENGTH}} characters.</p>
{{#PASSWORD_ERROR}}<p class="error" id="password-error">{{PASSWORD_ERROR}}</p>{{/PASSWORD_ERROR}}
</div>
<div class="field">
<label for="password_confirm">New password again</label>
<input id="password_confirm" name="password_confirm" type="password" autocomplete="new-password" maxlength="128" required{{#PASSWORD_CONFIRM_ERROR}} aria-invalid="true" aria-describedby="password_confirm-error"{{/PASSWORD_CONFIRM_ERROR}}>
{{#PASSWORD_CONFIRM_ERROR}}<p class="error" id="password_confirm-error">{{PASSWORD_CONFIRM_ERROR}}</p>{{/PASSWORD_CONFIRM_ERROR}}
</div>
<button type="submit">Set the new password</button>
</form>
