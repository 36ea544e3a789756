{{%AUTOESCAPE context="HTML"}}
<h1>Create an account</h1>
{{#HAS_ERRORS}}<p class="form-error" role="alert">Please correct the marked fields.</p>{{/HAS_ERRORS}}
<form method="post" action="{{BASE}}/register" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<div class="field">
<label for="name">Full name</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="100" required value="{{NAME}}"{{#NAME_ERROR}} aria-invalid="true" aria-describedby="name-error"{{/NAME_ERROR}}>
{{#NAME_ERROR}}<p class="error" id="name-error">{{NAME_ERROR}}</p>{{/NAME_ERROR}}
</div>
<div class="field">
<label for="email">Email address</label>
<input id="email" name="email" type="email" autocomplete="email" maxlength="254" required value="{{EMAIL}}"{{#EMAIL_ERROR}} aria-invalid="true" aria-describedby="email-error"{{/EMAIL_ERROR}}>
{{#EMAIL_ERROR}}<p class="error" id="email-error">{{EMAIL_ERROR}}{{#EMAIL_TAKEN}} <a href="{{BASE}}/login">Log in</a>{{/EMAIL_TAKEN}}</p>{{/EMAIL_ERROR}}
</div>
<div class="field">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="{{MIN_LENGTH}}" maxlength="128" required aria-describedby="password-hint{{#PASSWORD_ERROR}} password-error{{/PASSWORD_ERROR}}"{{#PASSWORD_ERROR}} aria-invalid="true"{{/PASSWORD_ERROR}}>
<p class="hint" id="password-hint">At least {{MIN_LENGTH}} characters. Any characters work; a few unrelated words make a strong password.</p>
{{#PASSWORD_ERROR}}<p class="error" id="password-error">{{PASSWORD_ERROR}}</p>{{/PASSWORD_ERROR}}
</div>
<div class="field">
<label for="password_confirm">Password again</label>
<input id="password_confirm" name="password_confirm" type="password" autocomplete="new-password" maxlength="128" required{{#PASSWORD_CONFIRM_ERROR}} aria-invalid="true" aria-describedby="password_confirm-error"{{/PASSWORD_CONFIRM_ERROR}}>
{{#PASSWORD_CONFIRM_ERROR}}<p class="error" id="password_confirm-error">{{PASSWORD_CONFIRM_ERROR}}</p>{{/PASSWORD_CONFIRM_ERROR}}
</div>
<button type="submit">Create account</button>
</form>
<p>Already have an account? <a href="{{BASE}}/login">Log in</a>.</p>
<p>What the site keeps about you, and why: <a href="{{BASE}}/privacy">privacy</a>.</p>
