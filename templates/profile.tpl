{{%AUTOESCAPE context="HTML"}}
<h1>Your profile</h1>
{{#HAS_ERRORS}}<p class="form-error" role="alert">Please correct the marked fields.</p>{{/HAS_ERRORS}}
<dl class="facts">
<dt>Email address</dt><dd>{{EMAIL}}</dd>
<dt>Member since</dt><dd>{{MEMBER_SINCE}}</dd>
</dl>
<section aria-labelledby="details-heading">
<h2 id="details-heading">Your details</h2>
<form method="post" action="{{BASE}}/profile" enctype="multipart/form-data" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<div class="field">
<label for="name">Full name</label>
<input id="name" name="name" type="text" autocomplete="name" maxlength="100" required value="{{NAME}}"{{#NAME_ERROR}} aria-invalid="true" aria-describedby="name-error"{{/NAME_ERROR}}>
{{#NAME_ERROR}}<p class="error" id="name-error">{{NAME_ERROR}}</p>{{/NAME_ERROR}}
</div>
<div class="field">
{{#HAS_PICTURE}}<img class="picture" src="{{BASE}}/profile/picture/{{PICTURE}}" alt="Your picture" width="96" height="96">{{/HAS_PICTURE}}
<label for="picture">{{#HAS_PICTURE}}A new picture{{/HAS_PICTURE}}{{#NO_PICTURE}}Picture{{/NO_PICTURE}} (optional)</label>
<input id="picture" name="picture" type="file" accept="image/png,image/jpeg,image/webp" data-max-bytes="{{PICTURE_MAX_BYTES}}" data-too-large="{{PICTURE_TOO_LARGE}}" aria-describedby="picture-hint{{#PICTURE_ERROR}} picture-error{{/PICTURE_ERROR}}"{{#PICTURE_ERROR}} aria-invalid="true"{{/PICTURE_ERROR}}>
<p class="hint" id="picture-hint">PNG, JPEG or WebP, at most {{PICTURE_MAX}}. Only you see it.</p>
{{#PICTURE_ERROR}}<p class="error" id="picture-error">{{PICTURE_ERROR}}</p>{{/PICTURE_ERROR}}
</div>
{{#HAS_PICTURE}}<div class="field check">
<input id="remove_picture" name="remove_picture" type="checkbox" value="1">
<label for="remove_picture">Remove my picture</label>
</div>{{/HAS_PICTURE}}
<button type="submit">Save</button>
</form>
</section>
<section aria-labelledby="email-heading" id="email">
<h2 id="email-heading">Change your email address</h2>
{{#PENDING_EMAIL}}<div class="pending" role="status">
<p>Waiting for confirmation: <strong>{{PENDING_ADDRESS}}</strong>. We sent a link to that address; your address changes only when the link is opened, until {{PENDING_UNTIL}}.</p>
<form method="post" action="{{BASE}}/profile/email/cancel">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<button type="submit" class="secondary">Cancel this change</button>
</form>
</div>{{/PENDING_EMAIL}}
<form method="post" action="{{BASE}}/profile/email" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="text" name="username" autocomplete="username" value="{{EMAIL}}" hidden>
<div class="field">
<label for="new_email">New email address</label>
<input id="new_email" name="new_email" type="email" autocomplete="email" maxlength="254" required value="{{NEW_EMAIL}}" aria-describedby="new_email-hint{{#NEW_EMAIL_ERROR}} new_email-error{{/NEW_EMAIL_ERROR}}"{{#NEW_EMAIL_ERROR}} aria-invalid="true"{{/NEW_EMAIL_ERROR}}>
<p class="hint" id="new_email-hint">We send a link to the new address and tell the current one. Nothing changes until the link is opened.</p>
{{#NEW_EMAIL_ERROR}}<p class="error" id="new_email-error">{{NEW_EMAIL_ERROR}}</p>{{/NEW_EMAIL_ERROR}}
</div>
<div class="field">
<label for="email_current_password">Current password</label>
<input id="email_current_password" name="current_password" type="password" autocomplete="current-password" maxlength="128" required{{#EMAIL_CURRENT_PASSWORD_ERROR}} aria-invalid="true" aria-describedby="email_current_password-error"{{/EMAIL_CURRENT_PASSWORD_ERROR}}>
{{#EMAIL_CURRENT_PASSWORD_ERROR}}<p class="error" id="email_current_password-error">{{EMAIL_CURRENT_PASSWORD_ERROR}}</p>{{/EMAIL_CURRENT_PASSWORD_ERROR}}
</div>
{{#TWO_FACTOR_ON}}<div class="field">
<label for="email_code">Code from your authenticator app</label>
<input id="email_code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="32" required aria-describedby="email_code-hint{{#EMAIL_CODE_ERROR}} email_code-error{{/EMAIL_CODE_ERROR}}"{{#EMAIL_CODE_ERROR}} aria-invalid="true"{{/EMAIL_CODE_ERROR}}>
<p class="hint" id="email_code-hint">Two-step login is on: the 6-digit code, or one of your recovery codes.</p>
{{#EMAIL_CODE_ERROR}}<p class="error" id="email_code-error">{{EMAIL_CODE_ERROR}}</p>{{/EMAIL_CODE_ERROR}}
</div>{{/TWO_FACTOR_ON}}
<button type="submit">Change email address</button>
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
{{#TWO_FACTOR_ON}}<div class="field">
<label for="password_code">Code from your authenticator app</label>
<input id="password_code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="32" required aria-describedby="password_code-hint{{#PASSWORD_CODE_ERROR}} password_code-error{{/PASSWORD_CODE_ERROR}}"{{#PASSWORD_CODE_ERROR}} aria-invalid="true"{{/PASSWORD_CODE_ERROR}}>
<p class="hint" id="password_code-hint">Two-step login is on: the 6-digit code, or one of your recovery codes.</p>
{{#PASSWORD_CODE_ERROR}}<p class="error" id="password_code-error">{{PASSWORD_CODE_ERROR}}</p>{{/PASSWORD_CODE_ERROR}}
</div>{{/TWO_FACTOR_ON}}
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
<section aria-labelledby="two-factor-heading" id="two-factor">
<h2 id="two-factor-heading">Two-step login</h2>
{{#TWO_FACTOR_ON}}<p><strong>On.</strong> Logging in asks for a code from your authenticator app after the password. <a href="{{BASE}}/profile/two-factor">Manage two-step login</a>.</p>{{/TWO_FACTOR_ON}}
{{#TWO_FACTOR_OFF}}<p><strong>Off.</strong> Your password alone opens your account. <a href="{{BASE}}/profile/two-factor">Turn on two-step login</a> with an authenticator app.</p>{{/TWO_FACTOR_OFF}}
</section>
<section aria-labelledby="sessions-heading" id="sessions">
<h2 id="sessions-heading">Where you are logged in</h2>
<p><a href="{{BASE}}/profile/sessions">See your sessions</a>, and log out the ones you do not recognise.</p>
</section>
<section aria-labelledby="your-data-heading" id="your-data">
<h2 id="your-data-heading">Your data</h2>
<ul>
<li><a href="{{BASE}}/profile/activity">Your account's activity</a>: logins and changes, and where they came from.</li>
<li><a href="{{BASE}}/profile/export">Download your data</a> (a JSON file).</li>
<li><a href="{{BASE}}/profile/delete">Delete your account</a>.</li>
</ul>
</section>
