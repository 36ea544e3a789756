{{%AUTOESCAPE context="HTML"}}
<h1>Add a passkey</h1>
<p class="lead">Your browser will ask you to make a passkey named <strong>{{NAME}}</strong>, with your fingerprint, face, PIN or a security key.</p>
<form id="passkey-create" method="post" action="{{BASE}}/profile/passkeys/add" data-challenge="{{CHALLENGE}}" data-user-id="{{USER_HANDLE}}" data-user-name="{{USER_NAME}}" data-display-name="{{DISPLAY_NAME}}" data-exclude="{{EXCLUDE}}" novalidate>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="name" value="{{NAME}}">
<input type="hidden" name="credential_id">
<input type="hidden" name="client_data">
<input type="hidden" name="attestation_object">
<noscript><p class="error">Passkeys need JavaScript: your browser makes the passkey when this page asks it to.</p></noscript>
<p class="error" id="passkey-create-status" role="status" hidden></p>
<button type="button" id="passkey-create-button">Create the passkey</button>
</form>
<p>This page works for 5 minutes. <a href="{{BASE}}/profile/passkeys">Back to your passkeys</a></p>
