import { createApp } from 'vue';
import App from './App.vue';
import { createConnection, createSocket } from './realtime/connection';
import { resolveServerUrl } from './realtime/server-url';
import { resolveToken } from './realtime/token';
import { createAppStore, key } from './store';
import { typedDispatch } from './store/actions';
import { typedCommit } from './store/mutations';
import './style.css';

const serverUrl = resolveServerUrl(window.location.search, import.meta.env.VITE_DELIVERER_URL);
const token = resolveToken(window.location.search);
const connection = createConnection(createSocket(serverUrl, token), token);
const store = createAppStore(connection);
connection.start(typedCommit(store.commit), typedDispatch(store.dispatch));

createApp(App).use(store, key).mount('#app');
