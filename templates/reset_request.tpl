{{%AUTOESCAPE context="HTML"}}
<h1>Reset your password</h1>
<p>Enter the email address of your account. We will send you a link to choose a new password.</p>
{{#HAS_ERRORS}}<p class="form-error" role="alert">Please correct the marked field.</p>{{/HAS_ERRORS}}
<form method="post" action="{{BASE}}/reset" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<div class="field">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" maxlength="254" required value="{{EMAIL}}"{{#EMAIL_ERROR}} aria-invalid="true" aria-describedby="email-error"{{/EMAIL_ERROR}}>
{{#EMAIL_ERROR}}<p class="error" id="email-error">{{EMAIL_ERROR}}</p>{{/EMAIL_ERROR}}
</div>
<button type="submit">Send the link</button>
</form>
<p><a href="{{BASE}}/login">Back to log in</a></p>
