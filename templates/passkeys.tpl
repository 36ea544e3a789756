{{%AUTOESCAPE context="HTML"}}
<h1>Your passkeys</h1>
<p class="lead">A passkey logs you in with your phone's or computer's own screen lock (fingerprint, face or PIN) instead of a password and code. It works only on this site, so it cannot be phished.</p>
{{#HAS_ERRORS}}<p class="form-error" role="alert">Nothing was changed. Please correct the marked fields.</p>{{/HAS_ERRORS}}
{{#LIST_ERROR}}<p class="error" id="list-error" role="alert">{{LIST_ERROR}}</p>{{/LIST_ERROR}}
{{#HAS_PASSKEYS}}<table class="passkeys">
<caption>Passkeys that open your account</caption>
<thead>
<tr><th scope="col">Name</th><th scope="col">Added</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
</thead>
<tbody>
{{#PASSKEY}}<tr>
<th scope="row">{{NAME}}</th>
<td>{{ADDED}}</td>
<td>{{LAST_USED}}</td>
<td>
<form method="post" action="{{BASE}}/profile/passkeys/rename" class="inline" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="passkey" value="{{ID}}">
<label for="rename-{{ID}}" class="visually-hidden">New name for {{NAME}}</label>
<input id="rename-{{ID}}" name="name" type="text" maxlength="64" value="{{NAME}}">
<button type="submit" class="secondary">Rename<span class="visually-hidden"> {{NAME}}</span></button>
</form>
<form method="post" action="{{BASE}}/profile/passkeys/remove" class="inline" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="passkey" value="{{ID}}">
<button type="submit" class="secondary">Remove<span class="visually-hidden"> {{NAME}}</span></button>
</form>
</td>
</tr>
{{/PASSKEY}}</tbody>
</table>{{/HAS_PASSKEYS}}
{{#NO_PASSKEYS}}<p>You have no passkeys yet.</p>{{/NO_PASSKEYS}}
<section aria-labelledby="add-heading">
<h2 id="add-heading">Add a passkey</h2>
<form method="post" action="{{BASE}}/profile/passkeys/new" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="text" name="username" autocomplete="username" value="{{EMAIL}}" hidden>
<div class="field">
<label for="name">Name of the passkey</label>
<input id="name" name="name" type="text" maxlength="64" value="{{NEW_NAME}}" aria-describedby="name-hint{{#NAME_ERROR}} name-error{{/NAME_ERROR}}"{{#NAME_ERROR}} aria-invalid="true"{{/NAME_ERROR}}>
<p class="hint" id="name-hint">So that you can tell your passkeys apart, e.g. "Work laptop".</p>
{{#NAME_ERROR}}<p class="error" id="name-error">{{NAME_ERROR}}</p>{{/NAME_ERROR}}
</div>
<div class="field">
<label for="current_password">Your password</label>
<input id="current_password" name="current_password" type="password" autocomplete="current-password" maxlength="128" required{{#CURRENT_PASSWORD_ERROR}} aria-invalid="true" aria-describedby="current_password-error"{{/CURRENT_PASSWORD_ERROR}}>
{{#CURRENT_PASSWORD_ERROR}}<p class="error" id="current_password-error">{{CURRENT_PASSWORD_ERROR}}</p>{{/CURRENT_PASSWORD_ERROR}}
</div>
{{#TWO_FACTOR_ON}}<div class="field">
<label for="code">Code from your authenticator app</label>
<input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="100" required data-passkey-step-up aria-describedby="code-hint{{#CODE_ERROR}} code-error{{/CODE_ERROR}}"{{#CODE_ERROR}} aria-invalid="true"{{/CODE_ERROR}}>
<p class="hint" id="code-hint">Two-step login is on: the 6-digit code, or one of your recovery codes.</p>
{{#CODE_ERROR}}<p class="error" id="code-error">{{CODE_ERROR}}</p>{{/CODE_ERROR}}
</div>{{/TWO_FACTOR_ON}}
<button type="submit">Continue</button>
</form>
</section>
<p><a href="{{BASE}}/profile">Back to your profile</a></p>
