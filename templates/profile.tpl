{{%AUTOESCAPE context="HTML"}}
<h1>Your profile</h1>
{{#HAS_ERRORS}}<p class="form-error" role="alert">Please correct the marked fields.</p>{{/HAS_ERRORS}}
<dl class="facts">
<dt>Email address</dt><dd>{{EMAIL}}</dd>
<dt>Member since</dt><dd>{{MEMBER_SINCE}}</dd>
</dl>
<section aria-labelledby="details-heading">
<h2 id="details-heading">Your details</h2>
<form method="post" action="{{BASE}}/profile" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<div class="field">
<label for="name">Full name</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="100" required value="{{NAME}}"{{#NAME_ERROR}} aria-invalid="true" aria-describedby="name-error"{{/NAME_ERROR}}>
{{#NAME_ERROR}}<p class="error" id="name-error">{{NAME_ERROR}}</p>{{/NAME_ERROR}}
</div>
<button type="submit">Save</button>
</form>
</section>
<section aria-labelledby="password-heading" id="password">
<h2 id="password-heading">Change your password</h2>
<p>Changing it logs you out everywhere else.</p>
<form method="post" action="{{BASE}}/profile/password" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="text" name="username" autocomplete="username" value="{{EMAIL}}" hidden>
<div class="field">
<label for="current_password">Current password</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" maxlength="128" required{{#CURRENT_PASSWORD_ERROR}} aria-invalid="true" aria-describedby="current_password-error"{{/CURRENT_PASSWORD_ERROR}}>
{{#CURRENT_PASSWORD_ERROR}}<p class="error" id="current_password-error">{{CURRENT_PASSWORD_ERROR}}</p>{{/CURRENT_PASSWORD_ERROR}}
</div>
<div class="field">
<label for="new_password">New password</label>
<input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="{{MIN_LENGTH}}" maxlength="128" required aria-describedby="new_password-hint{{#NEW_PASSWORD_ERROR}} new_password-error{{/NEW_PASSWORD_ERROR}}"{{#NEW_PASSWORD_ERROR}} aria-invalid="true"{{/NEW_PASSWORD_ERROR}}>
<p class="hint" id="new_password-hint">At least {{MIN_LENGTH}} characters.</p>
{{#NEW_PASSWORD_ERROR}}<p class="error" id="new_password-error">{{NEW_PASSWORD_ERROR}}</p>{{/NEW_PASSWORD_ERROR}}
</div>
<div class="field">
<label for="new_password_confirm">New password again</label>
<input id="new_password_confirm" name="new_password_confirm" type="password" autocomplete="new-password" maxlength="128" required{{#NEW_PASSWORD_CONFIRM_ERROR}} aria-invalid="true" aria-describedby="new_password_confirm-error"{{/NEW_PASSWORD_CONFIRM_ERROR}}>
{{#NEW_PASSWORD_CONFIRM_ERROR}}<p class="error" id="new_password_confirm-error">{{NEW_PASSWORD_CONFIRM_ERROR}}</p>{{/NEW_PASSWORD_CONFIRM_ERROR}}
</div>
<button type="submit">Change password</button>
</form>
</section>
