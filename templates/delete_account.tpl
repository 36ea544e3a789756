{{%AUTOESCAPE context="HTML"}}
<h1>Delete your account</h1>
{{#HAS_ERRORS}}<p class="form-error" role="alert">Your account was not deleted. Please correct the marked fields.</p>{{/HAS_ERRORS}}
<p class="lead">This deletes your account at once, with everything the site keeps about it: your profile and picture, your sessions, your two-step login and the record of your account's activity. It cannot be undone.</p>
<p>Before you go, you can <a href="{{BASE}}/profile/export">download your data</a>. A last mail to {{EMAIL}} will confirm the deletion.</p>
<form method="post" action="{{BASE}}/profile/delete" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="text" name="username" autocomplete="username" value="{{EMAIL}}" hidden>
<div class="field">
<label for="current_password">Your password</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" maxlength="128" required{{#CURRENT_PASSWORD_ERROR}} aria-invalid="true" aria-describedby="current_password-error"{{/CURRENT_PASSWORD_ERROR}}>
{{#CURRENT_PASSWORD_ERROR}}<p class="error" id="current_password-error">{{CURRENT_PASSWORD_ERROR}}</p>{{/CURRENT_PASSWORD_ERROR}}
</div>
{{#TWO_FACTOR_ON}}<div class="field">
<label for="code">Code from your authenticator app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="32" required aria-describedby="code-hint{{#CODE_ERROR}} code-error{{/CODE_ERROR}}"{{#CODE_ERROR}} aria-invalid="true"{{/CODE_ERROR}}>
<p class="hint" id="code-hint">Two-step login is on: the 6-digit code, or one of your recovery codes.</p>
{{#CODE_ERROR}}<p class="error" id="code-error">{{CODE_ERROR}}</p>{{/CODE_ERROR}}
</div>{{/TWO_FACTOR_ON}}
<div class="field">
<label for="confirm_email">Your email address, typed again</label>
<input id="confirm_email" name="confirm_email" type="email" autocomplete="off" maxlength="254" required aria-describedby="confirm_email-hint{{#CONFIRM_EMAIL_ERROR}} confirm_email-error{{/CONFIRM_EMAIL_ERROR}}"{{#CONFIRM_EMAIL_ERROR}} aria-invalid="true"{{/CONFIRM_EMAIL_ERROR}}>
<p class="hint" id="confirm_email-hint">To be sure it is this account you mean to delete.</p>
{{#CONFIRM_EMAIL_ERROR}}<p class="error" id="confirm_email-error">{{CONFIRM_EMAIL_ERROR}}</p>{{/CONFIRM_EMAIL_ERROR}}
</div>
<button type="submit" class="danger">Delete my account for good</button>
</form>
<p><a href="{{BASE}}/profile">Keep my account: back to the profile</a></p>
