import { createChatChatApp } from '../src/chatchat-app.js';

// `cdk synth` / `cdk deploy` entry: every environment; select stacks by name (ChatChat-dev-*).
createChatChatApp().app.synth();
