import '@servicenow/sdk/global'

declare global {
    namespace Now {
        namespace Internal {
            interface Keys extends KeysRegistry {
                explicit: {
                    'admin-api': {
                        table: 'sys_ws_definition'
                        id: '8eb48fea4622499ab991ba8af458f3c6'
                    }
                    'admin-api-acl-execute': {
                        table: 'sys_security_acl'
                        id: 'efb74e9ea3b74c37af4b0d4679a8ee21'
                    }
                    'admin-api-status': {
                        table: 'sys_ws_operation'
                        id: '3ca7ef1d346b492ead4eb66cc3484f5f'
                    }
                    'admin-api-test-event': {
                        table: 'sys_ws_operation'
                        id: 'f4fdb7fdf7324858a34a5932400305c0'
                    }
                    'admin-api-v1': {
                        table: 'sys_ws_version'
                        id: '222122b0c73349ce833587a09f0bd066'
                    }
                    'atf-config-caller': {
                        table: 'sys_atf_step'
                        id: '946da7ebbdc14435b3de3e928128beda'
                        deleted: false
                    }
                    'atf-config-hold-pushes': {
                        table: 'sys_atf_step'
                        id: '4f4f8ce7150847fd890454a48f362d38'
                        deleted: false
                    }
                    'atf-config-names-problem': {
                        table: 'sys_atf_step'
                        id: '34ae18eda12e4e76862279af5d6ee318'
                        deleted: false
                    }
                    'atf-config-put-http-url': {
                        table: 'sys_atf_step'
                        id: '121435d88e7542849bcaf3d0f477ea73'
                        deleted: false
                    }
                    'atf-config-refuses-plain-http': {
                        table: 'sys_atf_test'
                        id: '6f8dbc549a304c1981348ca88763e8a4'
                        deleted: false
                    }
                    'atf-config-status-400': {
                        table: 'sys_atf_step'
                        id: '4d068c6c8562491f9103ca839fea2f8a'
                        deleted: false
                    }
                    'atf-config-url-unchanged': {
                        table: 'sys_atf_step'
                        id: '930c340e73844ac7bab6469e06141d0a'
                        deleted: false
                    }
                    'atf-created-check-payload': {
                        table: 'sys_atf_step'
                        id: '941f4135ad0640e7a31b440c2742125e'
                        deleted: false
                    }
                    'atf-created-event-queued': {
                        table: 'sys_atf_step'
                        id: '0ceeae4646fb423385f9580636f6174c'
                        deleted: false
                    }
                    'atf-created-hold-pushes': {
                        table: 'sys_atf_step'
                        id: '48bfd67a0b334a43a5c277081dec4975'
                        deleted: false
                    }
                    'atf-created-incident-queues-one-event': {
                        table: 'sys_atf_test'
                        id: '3f632052ef094179aad4a803465268b2'
                        deleted: false
                    }
                    'atf-created-insert-incident': {
                        table: 'sys_atf_step'
                        id: '55491ee4a34a47228adbd7a1a6818723'
                        deleted: false
                    }
                    'atf-created-user': {
                        table: 'sys_atf_step'
                        id: '706e98068d8a497a93dea047935baa62'
                        deleted: false
                    }
                    'atf-health-answers-api-user': {
                        table: 'sys_atf_test'
                        id: '0401287bdc1046b692556b87fc14560c'
                        deleted: false
                    }
                    'atf-health-api-caller': {
                        table: 'sys_atf_step'
                        id: '76d3c0edc97a44d19536e619487d4f05'
                        deleted: false
                    }
                    'atf-health-get-as-api-user': {
                        table: 'sys_atf_step'
                        id: '70e1b38983604ee88a319582eb2939a9'
                        deleted: false
                    }
                    'atf-health-get-without-role': {
                        table: 'sys_atf_step'
                        id: '4408f982cbd44bc8a0c0d1bc4b55e2cb'
                        deleted: false
                    }
                    'atf-health-names-scope': {
                        table: 'sys_atf_step'
                        id: '45c408fd72f04c4ead48c49b75eff027'
                        deleted: false
                    }
                    'atf-health-no-report': {
                        table: 'sys_atf_step'
                        id: 'bff05afed8dc488aad6a64d7406f0661'
                        deleted: false
                    }
                    'atf-health-no-role-caller': {
                        table: 'sys_atf_step'
                        id: '734c7475147b4536a380edb9f6b47dd9'
                        deleted: false
                    }
                    'atf-health-refuses-without-role': {
                        table: 'sys_atf_test'
                        id: 'b203c3a4495244fb939c6ec613e8902c'
                        deleted: false
                    }
                    'atf-health-status-200': {
                        table: 'sys_atf_step'
                        id: '623ab3a727484f2284ff8440d7347ce4'
                        deleted: false
                    }
                    'atf-health-status-403': {
                        table: 'sys_atf_step'
                        id: '7d5ce993a2a844d19204775cec2884ee'
                        deleted: false
                    }
                    'atf-integration-hold-pushes': {
                        table: 'sys_atf_step'
                        id: '9d797976de39405f9f8c48fb4dbb4020'
                        deleted: false
                    }
                    'atf-integration-insert-incident': {
                        table: 'sys_atf_step'
                        id: '03296eb43ee34ccf983ee85051a8dd3a'
                        deleted: false
                    }
                    'atf-integration-no-event': {
                        table: 'sys_atf_step'
                        id: '69816b35376145fe8756e494f0421cde'
                        deleted: false
                    }
                    'atf-integration-update-incident': {
                        table: 'sys_atf_step'
                        id: '6639c58c3a15419ba0d70889211b5c05'
                        deleted: false
                    }
                    'atf-integration-user': {
                        table: 'sys_atf_step'
                        id: 'a5c6824746bc499ab7987ddd1982bf8b'
                        deleted: false
                    }
                    'atf-integration-user-queues-nothing': {
                        table: 'sys_atf_test'
                        id: 'dbfda3aeb1524033ae038980d82bf648'
                        deleted: false
                    }
                    'atf-journal-add-comment': {
                        table: 'sys_atf_step'
                        id: '0e1075757b7d4c6c8158c3db10d5d22b'
                        deleted: false
                    }
                    'atf-journal-add-work-note': {
                        table: 'sys_atf_step'
                        id: '07d13cb3a3654284b95bb5e7e2078703'
                        deleted: false
                    }
                    'atf-journal-check-events': {
                        table: 'sys_atf_step'
                        id: '9823016bd71640fe89c9f874c02891e3'
                        deleted: false
                    }
                    'atf-journal-event-queued': {
                        table: 'sys_atf_step'
                        id: '7bfe57e969844106be2ca49af470b35a'
                        deleted: false
                    }
                    'atf-journal-hold-pushes': {
                        table: 'sys_atf_step'
                        id: '3699f29d4cfe45f38c0cd5686de0c971'
                        deleted: false
                    }
                    'atf-journal-insert-incident': {
                        table: 'sys_atf_step'
                        id: '9ad529c333794de8b3e0bdb9bc8de7f2'
                        deleted: false
                    }
                    'atf-journal-queues-events': {
                        table: 'sys_atf_test'
                        id: '16f61aad5fda428e8c394a2b07547117'
                        deleted: false
                    }
                    'atf-journal-user': {
                        table: 'sys_atf_step'
                        id: '346f822122ee4732b33d90070ca0f6ad'
                        deleted: false
                    }
                    'atf-unsynced-category-saved': {
                        table: 'sys_atf_step'
                        id: 'c4d926a7580c466ca4c7f85d160cd829'
                        deleted: false
                    }
                    'atf-unsynced-change-category': {
                        table: 'sys_atf_step'
                        id: '897cdc9952c6441e92fbabe56d85c486'
                        deleted: false
                    }
                    'atf-unsynced-created-queued': {
                        table: 'sys_atf_step'
                        id: '9ed48621fafe4041809617a89cabbd8a'
                        deleted: false
                    }
                    'atf-unsynced-field-queues-nothing': {
                        table: 'sys_atf_test'
                        id: '1b4f26799e5a4ba2b2ac7a831d52b91a'
                        deleted: false
                    }
                    'atf-unsynced-hold-pushes': {
                        table: 'sys_atf_step'
                        id: '43f48be8717a4ed4b29882c214600152'
                        deleted: false
                    }
                    'atf-unsynced-insert-incident': {
                        table: 'sys_atf_step'
                        id: '0c979d733a2b45908483759792628f6e'
                        deleted: false
                    }
                    'atf-unsynced-no-update-event': {
                        table: 'sys_atf_step'
                        id: 'dbe3983ef8f34776a5b29d6ffea6cd64'
                        deleted: false
                    }
                    'atf-unsynced-user': {
                        table: 'sys_atf_step'
                        id: '428487071f7641e0ae0a65770b0ce8e6'
                        deleted: false
                    }
                    bom_json: {
                        table: 'sys_module'
                        id: '10f6e8fa96c741458346de59805996f1'
                    }
                    'br-deliver-outbox-event': {
                        table: 'sys_script'
                        id: '3d0608aef3bc4870b9bcfa87f80c2006'
                    }
                    'br-queue-follow-up-change': {
                        table: 'sys_script'
                        id: 'a53419fdbec745519b844295d4713a5c'
                    }
                    'br-queue-follow-up-deletion': {
                        table: 'sys_script'
                        id: '10704c2e094944b2b67937ef6ee38c9e'
                    }
                    'br-queue-incident-attachment': {
                        table: 'sys_script'
                        id: '5c59aeab33e2443d89b3060113aa0ef3'
                    }
                    'br-queue-incident-change': {
                        table: 'sys_script'
                        id: 'e99dc61c49fb44f68d687f214eaf0c4b'
                    }
                    'br-queue-incident-deletion': {
                        table: 'sys_script'
                        id: '138df94d30d447398d9ede9fc991132f'
                    }
                    'br-queue-journal-entry': {
                        table: 'sys_script'
                        id: 'd6cc97501d034901a549750ce26d02ed'
                    }
                    'config-acl-create': {
                        table: 'sys_security_acl'
                        id: 'af537fed0193420683c19e04267c90dd'
                    }
                    'config-acl-delete': {
                        table: 'sys_security_acl'
                        id: '93c1f105317e4d6b965ed9320fe7b0ff'
                    }
                    'config-acl-read': {
                        table: 'sys_security_acl'
                        id: 'c2857b48953e4b6db39255c63e460899'
                    }
                    'config-acl-write': {
                        table: 'sys_security_acl'
                        id: 'af3f2d07d63c4c899b3db1a72b688db8'
                    }
                    'delivery-lock-acl-delete': {
                        table: 'sys_security_acl'
                        id: '252cab0aa2354e9b8a709a0531a8ca6e'
                    }
                    'delivery-lock-acl-read': {
                        table: 'sys_security_acl'
                        id: 'e8f383cec6cc408c83f16e0098920127'
                    }
                    'job-retry-and-purge-outbox': {
                        table: 'sysauto_script'
                        id: '1c33c75028c64b6ebfbb4e2ac05f9f12'
                    }
                    'menu-incident-io': {
                        table: 'sys_app_application'
                        id: '5ecfd010469b489d9fbd7d7f2e8211e7'
                    }
                    'module-outbox-all': {
                        table: 'sys_app_module'
                        id: '7033ba1e94b84a11bdb3d23890a9a813'
                    }
                    'module-outbox-undelivered': {
                        table: 'sys_app_module'
                        id: '5093010d9df041efab952d852cc23934'
                    }
                    'module-properties': {
                        table: 'sys_app_module'
                        id: '8ee78621cbf9486c8bcda81910530388'
                    }
                    'module-status': {
                        table: 'sys_app_module'
                        id: 'eb8070e791184ba4b8c5041a2d927b5e'
                    }
                    'outbox-acl-create': {
                        table: 'sys_security_acl'
                        id: 'd70f35cb9358460189aadbf7fa0ef016'
                    }
                    'outbox-acl-delete': {
                        table: 'sys_security_acl'
                        id: 'b9591f3159134ce792890af58538656e'
                    }
                    'outbox-acl-read': {
                        table: 'sys_security_acl'
                        id: '315b95eb773c40898ec94fe35cad5514'
                    }
                    'outbox-acl-write': {
                        table: 'sys_security_acl'
                        id: '1ded7ff9e62d40959a9c740c644dfe4f'
                    }
                    package_json: {
                        table: 'sys_module'
                        id: 'adb752ab57af44ccab6b12a5dbbceff8'
                    }
                    'property-config-version': {
                        table: 'sys_properties'
                        id: '638f866e763946ef8121538a8a108414'
                    }
                    'property-enabled': {
                        table: 'sys_properties'
                        id: 'a9452042c5e149b6ba7d0e582139afbc'
                    }
                    'property-follow-up-table': {
                        table: 'sys_properties'
                        id: 'd8abe8ddca2449919d8bf5673cf18b16'
                    }
                    'property-integration-user': {
                        table: 'sys_properties'
                        id: 'f0640944b6f0477c8c4c4cf804760545'
                    }
                    'property-max-attempts': {
                        table: 'sys_properties'
                        id: '8f7fb308ed914b48a63f26e5f2f7eeed'
                    }
                    'property-request-timeout-seconds': {
                        table: 'sys_properties'
                        id: '5081e6cc2c2d4843896aea3fc210ed9e'
                    }
                    'property-retention-days': {
                        table: 'sys_properties'
                        id: 'b26bf12394c743f891b6b0bc0ebdbb66'
                    }
                    'property-retry-base-seconds': {
                        table: 'sys_properties'
                        id: '32097f8a38d345feafaa4a7c124eaa28'
                    }
                    'property-signing-secret': {
                        table: 'sys_properties'
                        id: '8645daed6d3541a882ec3bde87c8cb14'
                    }
                    'property-webhook-url': {
                        table: 'sys_properties'
                        id: 'd2ff077c80bd4028a08d152b30a3d75d'
                    }
                    src_server_api_config_ts: {
                        table: 'sys_module'
                        id: '220c9e4aa1aa4fb696443eddcfc7d6a9'
                    }
                    src_server_api_health_ts: {
                        table: 'sys_module'
                        id: '379d0c0e2452404aafcd06f14f0377ac'
                    }
                    src_server_api_resend_ts: {
                        table: 'sys_module'
                        id: '5f096e8e4df94705bae14435ec5bc418'
                    }
                    src_server_api_respond_ts: {
                        table: 'sys_module'
                        id: 'a45e64243c884824803d8a12da6cfea2'
                    }
                    src_server_api_status_ts: {
                        table: 'sys_module'
                        id: '8af6875d8d174744bef6e7ac6c8d19ce'
                    }
                    'src_server_business-rules_deliver-outbox-event_ts': {
                        table: 'sys_module'
                        id: 'fe79b37702344ac4ba8ee999ea960522'
                    }
                    'src_server_business-rules_queue-attachment_ts': {
                        table: 'sys_module'
                        id: '31fcc74bba874ad5a3c88089e9704301'
                    }
                    'src_server_business-rules_queue-incident-change_ts': {
                        table: 'sys_module'
                        id: '3c3975a42fd74483bc28c50d1284d88c'
                    }
                    'src_server_business-rules_queue-incident-deletion_ts': {
                        table: 'sys_module'
                        id: '757a911578cf4fad865b97323b9c5538'
                    }
                    'src_server_business-rules_queue-journal-entry_ts': {
                        table: 'sys_module'
                        id: '36a719de6cd542fd975b797a4f93caf4'
                    }
                    'src_server_contract_push-event_ts': {
                        table: 'sys_module'
                        id: '58fea2cf638c46ea9e24c0fd47624a1d'
                    }
                    src_server_contract_roles_ts: {
                        table: 'sys_module'
                        id: '14695592412d494c93504a91ed4a7367'
                    }
                    'src_server_jobs_retry-and-purge_ts': {
                        table: 'sys_module'
                        id: '42c8f94d41824383a4242202719175d1'
                    }
                    'src_server_lib_admin-actions_ts': {
                        table: 'sys_module'
                        id: '8e3d4cdba1a3448fb45186c18a70c646'
                    }
                    'src_server_lib_app-error_ts': {
                        table: 'sys_module'
                        id: 'ce714a49415342968618dc3aad76fee4'
                    }
                    src_server_lib_backoff_ts: {
                        table: 'sys_module'
                        id: 'f44f35e355794a539a8fe85a456202bd'
                    }
                    'src_server_lib_change-detection_ts': {
                        table: 'sys_module'
                        id: '33f3c4aa7a14489da384597ba89d6215'
                    }
                    'src_server_lib_clone-guard_ts': {
                        table: 'sys_module'
                        id: 'e2f764f637c148e7b7b2da46ee2c3e66'
                    }
                    src_server_lib_config_ts: {
                        table: 'sys_module'
                        id: 'f608f221327a4a0d88c40874dffd8f3e'
                    }
                    'src_server_lib_config-cache_ts': {
                        table: 'sys_module'
                        id: '496e2cf230524daf93154b26bc9ed50b'
                    }
                    'src_server_lib_config-validation_ts': {
                        table: 'sys_module'
                        id: '5258e46e824543719ab2dcd060fc956d'
                    }
                    src_server_lib_constants_ts: {
                        table: 'sys_module'
                        id: 'c33c9b23c3ce43d6a6106a21b7779041'
                    }
                    src_server_lib_delivery_ts: {
                        table: 'sys_module'
                        id: '5236bdf563f641c19018096fd53475d7'
                    }
                    'src_server_lib_delivery-lock_ts': {
                        table: 'sys_module'
                        id: '3e6af0c207fd4c048a5228c58cf3834d'
                    }
                    'src_server_lib_glide-environment_ts': {
                        table: 'sys_module'
                        id: 'de6191c8ddb54d9a917b7e1e89c2c83f'
                    }
                    'src_server_lib_glide-interfaces_ts': {
                        table: 'sys_module'
                        id: '07a707b05fc84a9e88757d7f9ec827dc'
                    }
                    src_server_lib_health_ts: {
                        table: 'sys_module'
                        id: '5a6d74cdcf92426fb2ebcd14b751cb8c'
                    }
                    src_server_lib_ordering_ts: {
                        table: 'sys_module'
                        id: 'd91ba98d0dc14bf88d2bd1bc85acd380'
                    }
                    'src_server_lib_outbox-store_ts': {
                        table: 'sys_module'
                        id: 'a11d1c4045974fe59319c5efc4f9fd2a'
                    }
                    src_server_lib_payload_ts: {
                        table: 'sys_module'
                        id: '461e5812983249f48174131fa6476844'
                    }
                    src_server_lib_queue_ts: {
                        table: 'sys_module'
                        id: '2bc3bcc5a4024dad982483ca136ca8f0'
                    }
                    'src_server_lib_reference-lookup_ts': {
                        table: 'sys_module'
                        id: 'b319e3880c0d49f4baaee3c05a9b4d7d'
                    }
                    'src_server_lib_resend-request_ts': {
                        table: 'sys_module'
                        id: '2216cadeac6141d8bff11acb3c4523a1'
                    }
                    src_server_lib_signature_ts: {
                        table: 'sys_module'
                        id: '809be39ca8644d4fba1daadf174cac41'
                    }
                    'src_server_lib_signing-secret_ts': {
                        table: 'sys_module'
                        id: 'ac07401144604f6f99003b70ab931ee6'
                    }
                    src_server_lib_status_ts: {
                        table: 'sys_module'
                        id: 'cf9c356bf82e483083b59e03dc0e09a6'
                    }
                    src_server_lib_time_ts: {
                        table: 'sys_module'
                        id: 'b23f60ad6a1c41a2a252d27059e72f53'
                    }
                    src_server_services_configuration_ts: {
                        table: 'sys_module'
                        id: 'bdb0e3d1b0374a6b8daa83fdfa7189b0'
                    }
                    'src_server_ui-actions_resend-outbox-event_ts': {
                        table: 'sys_module'
                        id: '199d16b7102941d6851e4dea201f1940'
                    }
                    'src_server_ui-actions_send-test-event_ts': {
                        table: 'sys_module'
                        id: 'b2bce60baace4da498063d9f7ae88eaa'
                    }
                    'sync-api': {
                        table: 'sys_ws_definition'
                        id: 'e0da2456ad6249b4982b8d0a17deb2c0'
                    }
                    'sync-api-acl-execute': {
                        table: 'sys_security_acl'
                        id: 'e91900568f0049cd926744a272f1e6bf'
                    }
                    'sync-api-config': {
                        table: 'sys_ws_operation'
                        id: 'd48c247590fa4b4ea44e92baab8e7e26'
                    }
                    'sync-api-health': {
                        table: 'sys_ws_operation'
                        id: '9fd0a6b82d9c4a99a463c6805df0da95'
                    }
                    'sync-api-resend': {
                        table: 'sys_ws_operation'
                        id: '776bc48f43c24ac8b2903812e48c803f'
                    }
                    'sync-api-v1': {
                        table: 'sys_ws_version'
                        id: '5307919f0d3e4e1da87676b0db4fc1e6'
                    }
                    'task-acl-create': {
                        table: 'sys_security_acl'
                        id: '6d22678b109c496ca7411589c3c97233'
                    }
                    'task-acl-read': {
                        table: 'sys_security_acl'
                        id: 'e9413bdfcfbf4858a70774e5ffcc9c59'
                    }
                    'task-acl-write': {
                        table: 'sys_security_acl'
                        id: '06909a3432fe4089a2732a82b3792819'
                    }
                    'ui-action-resend-event': {
                        table: 'sys_ui_action'
                        id: '9b070cf89fe6420292b9cccff8697738'
                    }
                    'ui-action-send-test-event': {
                        table: 'sys_ui_action'
                        id: '3971a65c1a00491693ec26d081925d3a'
                    }
                }
                composite: [
                    {
                        table: 'sys_element_mapping'
                        id: '0079e708855249aea7f334de349068d4'
                        key: {
                            field: 'field_values'
                            table: 'var__m_atf_input_variable_2d82e3c7531400109e02ddeeff7b12a7'
                            id: '0ceeae4646fb423385f9580636f6174c'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '01201a4549c44ab19f1440419eda6a87'
                        key: {
                            document_key: '4408f982cbd44bc8a0c0d1bc4b55e2cb'
                            variable: '59877da10b3222000b7da95e93673a56'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '01295fd481c2492f83212ec968a79998'
                        key: {
                            document_key: '70e1b38983604ee88a319582eb2939a9'
                            variable: 'cec002650b3222000b7da95e93673aae'
                        }
                    },
                    {
                        table: 'sys_ui_action_role'
                        id: '060ad501786941299a0e06ff04593f82'
                        key: {
                            sys_ui_action: '9b070cf89fe6420292b9cccff8697738'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '0a3db132712d425995657550a827090d'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'attempts'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '0c2abf1497b14a91b892e58b3e9f47b0'
                        key: {
                            document_key: 'a5c6824746bc499ab7987ddd1982bf8b'
                            variable: '6f69fc4aff6433008d3f5d9ad53bf18c'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '0cf626a0dd90452887051bdebe133ecb'
                        key: {
                            document_key: '428487071f7641e0ae0a65770b0ce8e6'
                            variable: '98c44875ffa033008d3f5d9ad53bf1fa'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '0d0617373d274eacac97cddfce5f887b'
                        key: {
                            document_key: '69816b35376145fe8756e494f0421cde'
                            variable: '915990ab531000109e02ddeeff7b12f8'
                        }
                    },
                    {
                        table: 'sys_ui_action_role'
                        id: '0d6002ef91ad44e192cb51015424b88d'
                        key: {
                            sys_ui_action: '3971a65c1a00491693ec26d081925d3a'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '0d8eeda6b36140e7b3cca897b67ee997'
                        key: {
                            document_key: 'bff05afed8dc488aad6a64d7406f0661'
                            variable: 'f0eec4d59f132200ef4afa7dc67fcf6d'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '0e5add990ee34dc8812f2ff20e27ee52'
                        key: {
                            document_key: '706e98068d8a497a93dea047935baa62'
                            variable: 'b27b2b29ff6033008d3f5d9ad53bf164'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '0e6b8892c6844e29916fa3599004c003'
                        key: {
                            document_key: '930c340e73844ac7bab6469e06141d0a'
                            variable: '42f2564b73031300440211d8faf6a777'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '0ea25b691a304615a39cb7dba4d4a656'
                        key: {
                            document_key: '428487071f7641e0ae0a65770b0ce8e6'
                            variable: '6f69fc4aff6433008d3f5d9ad53bf18c'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '113b2af21c324c86be0fabe3954863f5'
                        key: {
                            document_key: '946da7ebbdc14435b3de3e928128beda'
                            variable: '989d9e235324220002c6435723dc3484'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '12bca02c2552494d80f4b91df790825d'
                        deleted: false
                        key: {
                            document_key: '48bfd67a0b334a43a5c277081dec4975'
                            variable: '42f2564b73031300440211d8faf6a777'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '13558123d24a41fc832fb13b1d41beb0'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                            value: 'ping'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_db_object'
                        id: '13638c4878c443bc99b3cb42f6853a67'
                        key: {
                            name: 'x_incident_io_delivery_lock'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '13689c1b9b9a4b9ea6f98d6f1048d8d2'
                        key: {
                            document_key: '121435d88e7542849bcaf3d0f477ea73'
                            variable: '020a6af09fd32200ef4afa7dc67fcfec'
                        }
                    },
                    {
                        table: 'sys_user_role_contains'
                        id: '13cb43e071ee4fe29f54631913890466'
                        key: {
                            role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                            contains: {
                                id: 'f6d1cbf875314f7a85e175d2158b5f45'
                                key: {
                                    name: 'x_incident_io.api_user'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '159e43f6bf5644149dadadcba10a6f57'
                        key: {
                            name: 'x_incident_io_delivery_lock'
                            element: 'NULL'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '1660f54d6a9447a98fb1541f9bbdb1ce'
                        key: {
                            document_key: 'a5c6824746bc499ab7987ddd1982bf8b'
                            variable: 'ff06ab840f20101091d0f00c97767e6d'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '16dcbc988f3742edb962caf86ef7bc67'
                        key: {
                            document_key: '428487071f7641e0ae0a65770b0ce8e6'
                            variable: '1778a7480f20101091d0f00c97767e03'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '17d0f9655db944b6bef2a135cb9bd163'
                        key: {
                            document_key: '897cdc9952c6441e92fbabe56d85c486'
                            variable: '334b7bb7675003007ba405225685ef72'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '19e0dfad56004d1c85b931861210c1b4'
                        key: {
                            document_key: '706e98068d8a497a93dea047935baa62'
                            variable: '98c44875ffa033008d3f5d9ad53bf1fa'
                        }
                    },
                    {
                        table: 'sys_element_mapping'
                        id: '1b19621ab60a4afa8287fbdd95825fbe'
                        key: {
                            field: 'field_values'
                            table: 'var__m_atf_input_variable_2d82e3c7531400109e02ddeeff7b12a7'
                            id: 'dbe3983ef8f34776a5b29d6ffea6cd64'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '1b23c0c23e4b44d3b14e64ed86c67cd1'
                        key: {
                            document_key: '941f4135ad0640e7a31b440c2742125e'
                            variable: '42f2564b73031300440211d8faf6a777'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '1d08ef21d39e44cc8cf24d3241471314'
                        key: {
                            document_key: '55491ee4a34a47228adbd7a1a6818723'
                            variable: '90144b535320220002c6435723dc3488'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '1da3b744850b47408e62b5514cf02ce3'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'delivered_at'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '1dc7ae282c7e4e0c955bbac0ff3273f8'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'instance_url'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '1ee4500bb0134e5f85b381df97b9c6fe'
                        key: {
                            document_key: '7d5ce993a2a844d19204775cec2884ee'
                            variable: '9f5f67709f132200ef4afa7dc67fcf94'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '213c8df75d7c4846a3d71db86baff5fa'
                        key: {
                            document_key: '0c979d733a2b45908483759792628f6e'
                            variable: 'e6e3c7535320220002c6435723dc3496'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '2272e0ab83bc4f449754348b5ed8c98d'
                        key: {
                            document_key: '7bfe57e969844106be2ca49af470b35a'
                            variable: '78b8d86b531000109e02ddeeff7b12f3'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '22ead99cdd4242c2ad6738dc8c96b5b2'
                        key: {
                            sys_security_acl: '1ded7ff9e62d40959a9c740c644dfe4f'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '23e8f74c3f064f03bf22720241173f86'
                        key: {
                            name: 'x_incident_io_delivery_lock'
                            element: 'name'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '23efc8a793f14628b4a41dc116cd6182'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'incident_sys_id'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '2521a738d5d24036a28cfb7d89d011f2'
                        key: {
                            document_key: '9ad529c333794de8b3e0bdb9bc8de7f2'
                            variable: 'dd54cf535320220002c6435723dc34fd'
                        }
                    },
                    {
                        table: 'sys_element_mapping'
                        id: '282ea659e6f748a2afef617dc9b1b4a5'
                        key: {
                            field: 'field_values'
                            table: 'var__m_atf_input_variable_2d82e3c7531400109e02ddeeff7b12a7'
                            id: '9ed48621fafe4041809617a89cabbd8a'
                        }
                    },
                    {
                        table: 'sys_choice_set'
                        id: '29117536f2c64b648b8201c2f80ba24d'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '29296eb48a974553b11d44472e454d3c'
                        key: {
                            document_key: '946da7ebbdc14435b3de3e928128beda'
                            variable: '42f2564b73031300440211d8faf6a777'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '2aaf36c1255f4cc49a8aa1307e408d2a'
                        key: {
                            document_key: '55491ee4a34a47228adbd7a1a6818723'
                            variable: '9024a37f671003007ba405225685efe5'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '2b61422dd8be48a9b3dfcb315a076b01'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'incident_number'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '2d5a9b7212c54f689bcd49b5a3741d54'
                        key: {
                            document_key: '9d797976de39405f9f8c48fb4dbb4020'
                            variable: '989d9e235324220002c6435723dc3484'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '3055ce16dd17436c805228fb76a02413'
                        key: {
                            document_key: '6639c58c3a15419ba0d70889211b5c05'
                            variable: 'bc4c43935320220002c6435723dc34a2'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '30cb91fb69d44bf1947ade5d57733dae'
                        key: {
                            sys_security_acl: '315b95eb773c40898ec94fe35cad5514'
                            sys_user_role: {
                                id: 'f6d1cbf875314f7a85e175d2158b5f45'
                                key: {
                                    name: 'x_incident_io.api_user'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '33191001cdc84cdca97dc9b727013a0e'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'name'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '3498665e00d74cdf92e736676ac0da4e'
                        key: {
                            document_key: 'dbe3983ef8f34776a5b29d6ffea6cd64'
                            variable: '02fb0027531000109e02ddeeff7b120b'
                        }
                    },
                    {
                        table: 'sys_user_role'
                        id: '34eebaf6d8c44b13813d41e1fe0a3361'
                        key: {
                            name: 'x_incident_io.admin'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '34f99e39f7824d158bd2cbf4068419db'
                        key: {
                            document_key: '3699f29d4cfe45f38c0cd5686de0c971'
                            variable: '989d9e235324220002c6435723dc3484'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '355bd92443254429a3212a9d75041fe3'
                        key: {
                            document_key: '623ab3a727484f2284ff8440d7347ce4'
                            variable: '9f5f67709f132200ef4afa7dc67fcf94'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '356d3384a00e49f4a27913d53ff93023'
                        key: {
                            document_key: '428487071f7641e0ae0a65770b0ce8e6'
                            variable: 'b27b2b29ff6033008d3f5d9ad53bf164'
                        }
                    },
                    {
                        table: 'sys_element_mapping'
                        id: '363cd692590e4045b60a7caa7e7400b0'
                        key: {
                            field: 'basic_auth'
                            table: 'var__m_atf_input_variable_e00571a10b3222000b7da95e93673a8f'
                            id: '121435d88e7542849bcaf3d0f477ea73'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '3678bda6dff04df7a4a53e542087d9d8'
                        key: {
                            sys_security_acl: 'af537fed0193420683c19e04267c90dd'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '371fb9b12e24409986850fcf1ca5b080'
                        key: {
                            document_key: '121435d88e7542849bcaf3d0f477ea73'
                            variable: '59877da10b3222000b7da95e93673a56'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '37eb4f5b172a4b91b1eea5288d9c15f9'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '39b94f6b25ae43ba8e63e69d50bca4e5'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'next_attempt_at'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '3a171289591446c0960025f326a73ef3'
                        key: {
                            document_key: '706e98068d8a497a93dea047935baa62'
                            variable: '8c07aba5ff6033008d3f5d9ad53bf13b'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '3aae220f3baf4862ae3da5c45ddcaf41'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                            value: 'incident.created'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '3ae44cf5ed864d13a4ad4b1df2b09145'
                        key: {
                            sys_security_acl: '252cab0aa2354e9b8a709a0531a8ca6e'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '3d7429e177854e2b8b7f8f08510c97c5'
                        key: {
                            document_key: '4408f982cbd44bc8a0c0d1bc4b55e2cb'
                            variable: '81e042650b3222000b7da95e93673aa2'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '411b9f94632c4eb18bb9ea85589e746a'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                            value: 'dead'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '415d8456e2164b5b8ba3a131635825d8'
                        key: {
                            document_key: '0e1075757b7d4c6c8158c3db10d5d22b'
                            variable: 'bc4c43935320220002c6435723dc34a2'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '437be7beb88d458fad92b5c75be9908b'
                        key: {
                            document_key: '623ab3a727484f2284ff8440d7347ce4'
                            variable: '1d94cb1f3b8032000774229c93efc419'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '44c7654e7c2547c6aca475d9805aac9f'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'signing_secret'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '44e4b2f2c5c94988b998ab5e40a078e5'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'order_key'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '45662c46f26243d1b8d9dbfc502db978'
                        key: {
                            document_key: '03296eb43ee34ccf983ee85051a8dd3a'
                            variable: '9024a37f671003007ba405225685efe5'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '456fa7d99c8744bbb86c4901f93c686e'
                        key: {
                            document_key: '121435d88e7542849bcaf3d0f477ea73'
                            variable: '58408e250b3222000b7da95e93673a5c'
                        }
                    },
                    {
                        table: 'sys_element_mapping'
                        id: '4c4e2587bde34133a922b589eaf2921b'
                        key: {
                            field: 'field_values'
                            table: 'var__m_atf_input_variable_2d82e3c7531400109e02ddeeff7b12a7'
                            id: '7bfe57e969844106be2ca49af470b35a'
                        }
                    },
                    {
                        table: 'sys_index'
                        id: '4cf9ca7a3def406c9d4352be8e7981be'
                        key: {
                            logical_table_name: 'x_incident_io_outbound_event'
                            col_name_string: 'incident_sys_id,order_key'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '4d74370f5714464f9b8b94e0e570b13e'
                        key: {
                            document_key: '346f822122ee4732b33d90070ca0f6ad'
                            variable: '98c44875ffa033008d3f5d9ad53bf1fa'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '4e122f238f58424c8ffc8301284447d3'
                        key: {
                            sys_security_acl: 'af3f2d07d63c4c899b3db1a72b688db8'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '4e30231251e2433ea7083a093944f4ce'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'delivered_at'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '4eb023e623c34085b0c08d76c3af9e30'
                        key: {
                            document_key: '897cdc9952c6441e92fbabe56d85c486'
                            variable: 'bc4c43935320220002c6435723dc34a2'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '4eeb92eb798c491f8ed9ad8fb0936804'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'last_attempt_at'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '4f1a0f3575284b989fd23d8833f90d73'
                        key: {
                            document_key: '0ceeae4646fb423385f9580636f6174c'
                            variable: '915990ab531000109e02ddeeff7b12f8'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '4f7237b571db44d6bc9803242da2a043'
                        key: {
                            name: 'x_incident_io_delivery_lock'
                            element: 'name'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '506be999c7fb47e585e5bf0643ad628d'
                        key: {
                            document_key: 'a5c6824746bc499ab7987ddd1982bf8b'
                            variable: 'b27b2b29ff6033008d3f5d9ad53bf164'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '517d2bc4dbb94265aa2aa7a0310053a9'
                        key: {
                            document_key: '734c7475147b4536a380edb9f6b47dd9'
                            variable: '989d9e235324220002c6435723dc3484'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '51b61bc74884455bbe7940569b5308a9'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'instance_url'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '52c0249745974c08bfcd007a4dfa1f47'
                        key: {
                            document_key: '70e1b38983604ee88a319582eb2939a9'
                            variable: '020a6af09fd32200ef4afa7dc67fcfec'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '52f7998440e74278a23b027b22230579'
                        key: {
                            document_key: 'a5c6824746bc499ab7987ddd1982bf8b'
                            variable: '8c07aba5ff6033008d3f5d9ad53bf13b'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '5387b98e3a2145df8383f40a0fdfaf67'
                        key: {
                            document_key: '0ceeae4646fb423385f9580636f6174c'
                            variable: '78b8d86b531000109e02ddeeff7b12f3'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '53f22447626a480aaa32afb9c722621a'
                        key: {
                            document_key: '7bfe57e969844106be2ca49af470b35a'
                            variable: '02fb0027531000109e02ddeeff7b120b'
                        }
                    },
                    {
                        table: 'sys_index'
                        id: '5596e65e1cca4e639bf176cfa5c7e0ef'
                        key: {
                            logical_table_name: 'x_incident_io_outbound_event'
                            col_name_string: 'state,next_attempt_at'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '55fd9ad9cfeb4ab2b3f4d9aaf8ea5a01'
                        key: {
                            document_key: '69816b35376145fe8756e494f0421cde'
                            variable: '78b8d86b531000109e02ddeeff7b12f3'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '572f39f7746544bd8779df97087a4bba'
                        key: {
                            document_key: 'c4d926a7580c466ca4c7f85d160cd829'
                            variable: '6aad5a575360220002c6435723dc34b0'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '58310368041d4ebcb26b91e07d3851c0'
                        key: {
                            document_key: '0ceeae4646fb423385f9580636f6174c'
                            variable: 'b86c0427531000109e02ddeeff7b1227'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '586700a5e04641c2adbf1efb1e2d4d6e'
                        key: {
                            document_key: '9ed48621fafe4041809617a89cabbd8a'
                            variable: 'b86c0427531000109e02ddeeff7b1227'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '59e3ba4996f845dbb17ddfc1e82823e8'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'payload'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '5a08d30ad8074174b21ac12e9933f055'
                        key: {
                            document_key: 'c4d926a7580c466ca4c7f85d160cd829'
                            variable: 'cbddfa135320220002c6435723dc3415'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '5caf4bf52a4d466eb632aa7173d36e22'
                        key: {
                            document_key: '897cdc9952c6441e92fbabe56d85c486'
                            variable: '46dbcb535320220002c6435723dc3409'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '5cf0e7977ab94129ad968e4ed5329864'
                        key: {
                            document_key: '9ad529c333794de8b3e0bdb9bc8de7f2'
                            variable: 'e6e3c7535320220002c6435723dc3496'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '5e233aaa14bb4f8a9e50ec38f035df54'
                        key: {
                            document_key: '9ed48621fafe4041809617a89cabbd8a'
                            variable: '78b8d86b531000109e02ddeeff7b12f3'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '5edd752615c04f6b9dd6e2c341572891'
                        key: {
                            sys_security_acl: 'd70f35cb9358460189aadbf7fa0ef016'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_db_object'
                        id: '5fd2819f204144d1ade562aa6df521f6'
                        key: {
                            name: 'x_incident_io_config'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '616c2a1cd88c49f980903a175ed8cbfd'
                        key: {
                            document_key: '55491ee4a34a47228adbd7a1a6818723'
                            variable: 'dd54cf535320220002c6435723dc34fd'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '63fad384fbed43f386ee69bb8f15fb92'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'last_http_status'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '64f1bbd3fd8240838c0168bb169cb012'
                        key: {
                            document_key: '70e1b38983604ee88a319582eb2939a9'
                            variable: '59877da10b3222000b7da95e93673a56'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '652b6dffcfbe4b1583ab197fb8410ac0'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '67528cf25f65499f969c330ca2f60e01'
                        key: {
                            document_key: '346f822122ee4732b33d90070ca0f6ad'
                            variable: '6f69fc4aff6433008d3f5d9ad53bf18c'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '683dbd4535a64580b96fce756929bc0c'
                        key: {
                            sys_security_acl: '315b95eb773c40898ec94fe35cad5514'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '688ff4d8ae14478fad84c4066532365a'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'incident_sys_id'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '697d58241564476ba0528993b47e9776'
                        key: {
                            sys_security_acl: 'b9591f3159134ce792890af58538656e'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_element_mapping'
                        id: '6a804a31a04546399c2782d1c042c1f0'
                        key: {
                            field: 'basic_auth'
                            table: 'var__m_atf_input_variable_e00571a10b3222000b7da95e93673a8f'
                            id: '4408f982cbd44bc8a0c0d1bc4b55e2cb'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '6c1a47c62d614d37a7e018cb67120072'
                        key: {
                            sys_security_acl: '93c1f105317e4d6b965ed9320fe7b0ff'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '6c33b95c394c45c78dc3ea372afddd94'
                        key: {
                            document_key: '6639c58c3a15419ba0d70889211b5c05'
                            variable: '46dbcb535320220002c6435723dc3409'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '6d8cfce7147a4730bc73bacb5db1e6d7'
                        key: {
                            document_key: '76d3c0edc97a44d19536e619487d4f05'
                            variable: '989d9e235324220002c6435723dc3484'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '6e4ba2e200014c17a931afa5e39aaa4e'
                        key: {
                            document_key: 'dbe3983ef8f34776a5b29d6ffea6cd64'
                            variable: 'b86c0427531000109e02ddeeff7b1227'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '6eaf606380a341cd9874e680c827f504'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                            value: 'delivered'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '6f16d5f707aa4963a4fa299af3684053'
                        deleted: false
                        key: {
                            document_key: '734c7475147b4536a380edb9f6b47dd9'
                            variable: '42f2564b73031300440211d8faf6a777'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '702a9ed65bf7442689eb39ffc8e5b482'
                        key: {
                            document_key: '07d13cb3a3654284b95bb5e7e2078703'
                            variable: '334b7bb7675003007ba405225685ef72'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '70b5d3427e6a4a25827c6c2fda830a2e'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'NULL'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '70e88a4039a047ad9eab405cc823d921'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'signing_secret'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '71fdab413ec442c3a1d07c62112ae391'
                        key: {
                            document_key: '7bfe57e969844106be2ca49af470b35a'
                            variable: '915990ab531000109e02ddeeff7b12f8'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '721beaade8bc4f5fac0bbd7640d876b3'
                        key: {
                            document_key: '69816b35376145fe8756e494f0421cde'
                            variable: '02fb0027531000109e02ddeeff7b120b'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '7386c2ebee044637868336c069e63584'
                        key: {
                            sys_security_acl: '6d22678b109c496ca7411589c3c97233'
                            sys_user_role: {
                                id: 'f6d1cbf875314f7a85e175d2158b5f45'
                                key: {
                                    name: 'x_incident_io.api_user'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '75fb8eaba6c14b26bbe7bcfa3e1d41e9'
                        key: {
                            document_key: '706e98068d8a497a93dea047935baa62'
                            variable: '6f69fc4aff6433008d3f5d9ad53bf18c'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '763c1f1f02de4c87bdd671dc9dce63b1'
                        key: {
                            document_key: '346f822122ee4732b33d90070ca0f6ad'
                            variable: 'b27b2b29ff6033008d3f5d9ad53bf164'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '767caad8c4054c5e8dfb99a203947714'
                        key: {
                            sys_security_acl: 'e91900568f0049cd926744a272f1e6bf'
                            sys_user_role: {
                                id: 'f6d1cbf875314f7a85e175d2158b5f45'
                                key: {
                                    name: 'x_incident_io.api_user'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: '79746bd9bced460fb167d8381d706602'
                        key: {
                            sys_security_acl: 'e9413bdfcfbf4858a70774e5ffcc9c59'
                            sys_user_role: {
                                id: 'f6d1cbf875314f7a85e175d2158b5f45'
                                key: {
                                    name: 'x_incident_io.api_user'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_element_mapping'
                        id: '7b3eab1252434c3da12d743b535757d0'
                        key: {
                            field: 'basic_auth'
                            table: 'var__m_atf_input_variable_e00571a10b3222000b7da95e93673a8f'
                            id: '70e1b38983604ee88a319582eb2939a9'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '7b826ef7679e496d895ee4fbe4141b7b'
                        key: {
                            document_key: '70e1b38983604ee88a319582eb2939a9'
                            variable: '81e042650b3222000b7da95e93673aa2'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '7cd1758ab3124542ae750c0e41b72570'
                        key: {
                            document_key: '0e1075757b7d4c6c8158c3db10d5d22b'
                            variable: '53fb0f535320220002c6435723dc34ec'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '7eff00453755468b81cc8365fee00f0d'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'incident'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '809476d1d8f34ccd9f5d367a3d437991'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'last_attempt_at'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: '811b28fb96604098b3f9dabc94dc964d'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'name'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '81fb8974b845444b8f226d233a1970f6'
                        deleted: false
                        key: {
                            document_key: '9d797976de39405f9f8c48fb4dbb4020'
                            variable: '42f2564b73031300440211d8faf6a777'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '82dcebcee39c44a79bde70d088979de8'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                            value: 'failed'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '8373176ec69244a2acb5b7227c2e04a5'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                            value: 'incident.journal'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '84a474de83564a978b90f04b319cbf6c'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                            value: 'queued'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '8706c994e23646c1bf2cc498733174f8'
                        key: {
                            document_key: '55491ee4a34a47228adbd7a1a6818723'
                            variable: 'e6e3c7535320220002c6435723dc3496'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '879290fc86a949f7bff4f4abaa6438b7'
                        key: {
                            document_key: '0e1075757b7d4c6c8158c3db10d5d22b'
                            variable: '46dbcb535320220002c6435723dc3409'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '88f1cdd1c0224c289787e704d803cc4e'
                        key: {
                            document_key: '346f822122ee4732b33d90070ca0f6ad'
                            variable: '1778a7480f20101091d0f00c97767e03'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '8a02c8490f1647b3afd653f1d9e60ea0'
                        key: {
                            document_key: '346f822122ee4732b33d90070ca0f6ad'
                            variable: '1985e0ceff2433008d3f5d9ad53bf1ba'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '8b4840a579cc4a15aa44088897585e1f'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '8bf92d2cec704d2e9620e6faa691b03f'
                        deleted: false
                        key: {
                            document_key: '3699f29d4cfe45f38c0cd5686de0c971'
                            variable: '42f2564b73031300440211d8faf6a777'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '8ca53054e96b4a558cde9e228cf2a17b'
                        key: {
                            document_key: '9823016bd71640fe89c9f874c02891e3'
                            variable: '989d9e235324220002c6435723dc3484'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '8d103b9983334732ba5637bec9af91b3'
                        key: {
                            document_key: 'dbe3983ef8f34776a5b29d6ffea6cd64'
                            variable: '915990ab531000109e02ddeeff7b12f8'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '8d5ed2b23d3541a6b4d98cae1b9e7b1b'
                        key: {
                            document_key: '706e98068d8a497a93dea047935baa62'
                            variable: '1985e0ceff2433008d3f5d9ad53bf1ba'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '8da3b4e9b378461ab0ce078319f727a5'
                        key: {
                            document_key: '48bfd67a0b334a43a5c277081dec4975'
                            variable: '989d9e235324220002c6435723dc3484'
                        }
                    },
                    {
                        table: 'sys_index'
                        id: '8f8f93fcd5d44d6b8257a3abb19c4b60'
                        key: {
                            logical_table_name: 'x_incident_io_config'
                            col_name_string: 'name'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '92bf55a1c7c147b0a1384e0e7ab4f9af'
                        key: {
                            document_key: '897cdc9952c6441e92fbabe56d85c486'
                            variable: '501c8f535320220002c6435723dc34da'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '931739de3b2a4236856465add83f543f'
                        key: {
                            document_key: '07d13cb3a3654284b95bb5e7e2078703'
                            variable: '501c8f535320220002c6435723dc34da'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '949301a5286c4657b76e58d2f3a6f4c5'
                        key: {
                            document_key: '4408f982cbd44bc8a0c0d1bc4b55e2cb'
                            variable: '6cdd0ab543010210b6f9a0246bb8f2f2'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: '98aa3802defa4de1a81fda82629184c8'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'last_error'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '998c8c0700414928bfe9b536675aa828'
                        key: {
                            document_key: 'bff05afed8dc488aad6a64d7406f0661'
                            variable: 'ccae44d59f132200ef4afa7dc67fcf1e'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: '9cfd07a9a921497fa069750db35a7316'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                            value: 'incident.updated'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '9d12f4d8657840e3b0a98b2efb40ab49'
                        key: {
                            document_key: '0e1075757b7d4c6c8158c3db10d5d22b'
                            variable: '334b7bb7675003007ba405225685ef72'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '9d596de6341b446b9fe7930bd6ed4edc'
                        key: {
                            document_key: '34ae18eda12e4e76862279af5d6ee318'
                            variable: 'ccae44d59f132200ef4afa7dc67fcf1e'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: '9e5dc7519a6c44fc95742b57bc78633b'
                        key: {
                            document_key: '9ed48621fafe4041809617a89cabbd8a'
                            variable: '02fb0027531000109e02ddeeff7b120b'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'a146de0fb06b4beca81599b7a7ebfb6a'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'a31c49318dd343f5a8d1c643cbc1f750'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'instance_name'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'a3f5b234123f416686bf869ae561012f'
                        key: {
                            document_key: 'c4d926a7580c466ca4c7f85d160cd829'
                            variable: '67400008676003007ba405225685efa4'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'a433df22cd554955a17f6588752588d0'
                        key: {
                            document_key: '69816b35376145fe8756e494f0421cde'
                            variable: 'b86c0427531000109e02ddeeff7b1227'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'a5184ead81954a928784b16a74cc49f1'
                        key: {
                            document_key: '897cdc9952c6441e92fbabe56d85c486'
                            variable: '53fb0f535320220002c6435723dc34ec'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'a607d80e320d4e449e666479a9aeaab2'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'NULL'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'a6c5d0c2b0a541d18da036491a34a31a'
                        key: {
                            document_key: 'c4d926a7580c466ca4c7f85d160cd829'
                            variable: '52ed1e5b5360220002c6435723dc3421'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'a721e1468dfe4910ba092310a192527c'
                        deleted: false
                        key: {
                            document_key: '43f48be8717a4ed4b29882c214600152'
                            variable: '42f2564b73031300440211d8faf6a777'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'a74fe08143ae4a62a6cc244788dd22da'
                        key: {
                            document_key: '428487071f7641e0ae0a65770b0ce8e6'
                            variable: '1985e0ceff2433008d3f5d9ad53bf1ba'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'a77118e0431f4322812cba9da676ed0e'
                        key: {
                            document_key: '4408f982cbd44bc8a0c0d1bc4b55e2cb'
                            variable: '020a6af09fd32200ef4afa7dc67fcfec'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'a8b65de67ea34d09ac456b9d3b1f49bc'
                        key: {
                            document_key: '4d068c6c8562491f9103ca839fea2f8a'
                            variable: '1d94cb1f3b8032000774229c93efc419'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'aa69d1598e6942038b8e035d7ea24127'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'payload'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'ab531629b88e4d44b9cd3879705f03ae'
                        key: {
                            document_key: '70e1b38983604ee88a319582eb2939a9'
                            variable: '89ad06b543010210b6f9a0246bb8f2d7'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'acaf6f7aeaba468986b88c00d771ab75'
                        key: {
                            document_key: '6639c58c3a15419ba0d70889211b5c05'
                            variable: '501c8f535320220002c6435723dc34da'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: 'ace0f3921a184ee9ab94a34f85356224'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_type'
                            value: 'incident.deleted'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'af13f4ef54c541da909920bd5d00ae09'
                        deleted: false
                        key: {
                            document_key: '4f4f8ce7150847fd890454a48f362d38'
                            variable: '42f2564b73031300440211d8faf6a777'
                        }
                    },
                    {
                        table: 'sys_element_mapping'
                        id: 'b07e222f79704792b8a9fc52f127e43b'
                        key: {
                            field: 'field_values'
                            table: 'var__m_atf_input_variable_2d82e3c7531400109e02ddeeff7b12a7'
                            id: '69816b35376145fe8756e494f0421cde'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'b1030ac366bf467f80f112c672c7677a'
                        key: {
                            document_key: '4408f982cbd44bc8a0c0d1bc4b55e2cb'
                            variable: '58408e250b3222000b7da95e93673a5c'
                        }
                    },
                    {
                        table: 'sys_index'
                        id: 'b1a1493a5ab94ff89caa8816f6c9f316'
                        key: {
                            logical_table_name: 'x_incident_io_delivery_lock'
                            col_name_string: 'name'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'b3e345de1e414fecb2d6f3fa4324ab41'
                        key: {
                            document_key: 'c4d926a7580c466ca4c7f85d160cd829'
                            variable: 'ff6e125353a0220002c6435723dc3442'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'b550cbbe0fb04e168b28696b4ba49a8e'
                        key: {
                            document_key: '03296eb43ee34ccf983ee85051a8dd3a'
                            variable: 'dd54cf535320220002c6435723dc34fd'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'b65ec3691a984aabbe2aeffcea2872d5'
                        key: {
                            document_key: '70e1b38983604ee88a319582eb2939a9'
                            variable: '50bff9250b3222000b7da95e93673a9b'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: 'b7477e4bc7c843278c5a920f72a38e0c'
                        key: {
                            sys_security_acl: 'e8f383cec6cc408c83f16e0098920127'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'b86a771a7ea0407487fed2f0ae5b9772'
                        key: {
                            document_key: '941f4135ad0640e7a31b440c2742125e'
                            variable: '989d9e235324220002c6435723dc3484'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'b8b9332c4e654abc9dc0427dd2b3bb37'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'next_attempt_at'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'b937d9843e40423b800f6c42070e9ab2'
                        key: {
                            name: 'x_incident_io_delivery_lock'
                            element: 'held_since'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'b96cfc98db2048beaba3b04df1e1620b'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'NULL'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'ba488f602faa45dba3206f388485a583'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'order_key'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'ba759089619742babf61660e6843e457'
                        key: {
                            document_key: '70e1b38983604ee88a319582eb2939a9'
                            variable: '58408e250b3222000b7da95e93673a5c'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'bc1cefab35d54a0db770ed7e3c6e4d0d'
                        deleted: false
                        key: {
                            document_key: '76d3c0edc97a44d19536e619487d4f05'
                            variable: '42f2564b73031300440211d8faf6a777'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'bc28dbdecd1747adbae54b21f1a70941'
                        key: {
                            document_key: '4408f982cbd44bc8a0c0d1bc4b55e2cb'
                            variable: '89ad06b543010210b6f9a0246bb8f2d7'
                        }
                    },
                    {
                        table: 'sys_ui_page'
                        id: 'bcaf67e2c15841c7bac02ed899f2e058'
                        key: {
                            endpoint: 'x_incident_io_status.do'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'bd16954d664345008b665905707bd07a'
                        key: {
                            document_key: '07d13cb3a3654284b95bb5e7e2078703'
                            variable: '53fb0f535320220002c6435723dc34ec'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'bd71048fee1d4fe3859ba9cb13d4fdf4'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'incident_number'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'bf438a7734ac46c3a932fff4943c578d'
                        key: {
                            document_key: '6639c58c3a15419ba0d70889211b5c05'
                            variable: '334b7bb7675003007ba405225685ef72'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: 'c1b452416ae34c54be87c0e901bb8603'
                        key: {
                            sys_security_acl: 'efb74e9ea3b74c37af4b0d4679a8ee21'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_element_mapping'
                        id: 'c30e496926b540ee9b0d170bd2becedf'
                        key: {
                            field: 'record_id'
                            table: 'var__m_atf_input_variable_17a72288df60220062fe6c7a4df26397'
                            id: '07d13cb3a3654284b95bb5e7e2078703'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'c34387f7f0df4451a4a90cd757796562'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'instance_name'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'c3aa7ee280a043b7897608e02cd28311'
                        key: {
                            document_key: '7bfe57e969844106be2ca49af470b35a'
                            variable: 'b86c0427531000109e02ddeeff7b1227'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'c40d4034e7734af09368da48fdf462e4'
                        key: {
                            document_key: '45c408fd72f04c4ead48c49b75eff027'
                            variable: 'f0eec4d59f132200ef4afa7dc67fcf6d'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'c64a36aa9fa34ee89ba0bd19cd587856'
                        key: {
                            document_key: '0c979d733a2b45908483759792628f6e'
                            variable: 'dd54cf535320220002c6435723dc34fd'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'c709e62eb2fa48b9b0dfde351e3b9871'
                        key: {
                            document_key: '9ad529c333794de8b3e0bdb9bc8de7f2'
                            variable: '90144b535320220002c6435723dc3488'
                        }
                    },
                    {
                        table: 'sys_element_mapping'
                        id: 'c73a0f7468cd45e58dfb05f827c49a35'
                        key: {
                            field: 'record_id'
                            table: 'var__m_atf_input_variable_17a72288df60220062fe6c7a4df26397'
                            id: '897cdc9952c6441e92fbabe56d85c486'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'c8561c8ef8914447b5dba0a65941b3b1'
                        key: {
                            document_key: '121435d88e7542849bcaf3d0f477ea73'
                            variable: '50bff9250b3222000b7da95e93673a9b'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'c9b814b569e142129488c706377514b8'
                        key: {
                            document_key: '428487071f7641e0ae0a65770b0ce8e6'
                            variable: '8c07aba5ff6033008d3f5d9ad53bf13b'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'ccb7ae3d597a4ed68a35c369c3326293'
                        key: {
                            document_key: '346f822122ee4732b33d90070ca0f6ad'
                            variable: '8c07aba5ff6033008d3f5d9ad53bf13b'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'cce326859ed64a50aa62be6800657a3b'
                        key: {
                            document_key: '121435d88e7542849bcaf3d0f477ea73'
                            variable: 'cec002650b3222000b7da95e93673aae'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'cda1fd03553a416395a22d33c3ce0cb8'
                        key: {
                            document_key: '9ad529c333794de8b3e0bdb9bc8de7f2'
                            variable: '9024a37f671003007ba405225685efe5'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'cf657a2eebdc4d58a7bf8929b5697814'
                        key: {
                            document_key: '706e98068d8a497a93dea047935baa62'
                            variable: 'ff06ab840f20101091d0f00c97767e6d'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'cfcc4bcc94fb402095835c1e6fd7db31'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'last_http_status'
                        }
                    },
                    {
                        table: 'sys_choice_set'
                        id: 'd117f436eb0c4cf5a018d075d4a60c04'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'd1c5d4d7b01f41028bf03f1eba78b6a0'
                        key: {
                            document_key: '121435d88e7542849bcaf3d0f477ea73'
                            variable: '81e042650b3222000b7da95e93673aa2'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'd21898096d514840981c10323aab90d3'
                        key: {
                            name: 'x_incident_io_delivery_lock'
                            element: 'NULL'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'd250e55b5f554a2c9f99709d3436077c'
                        key: {
                            document_key: '0c979d733a2b45908483759792628f6e'
                            variable: '9024a37f671003007ba405225685efe5'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'd35c024ce88c4a2681b101befdec9d83'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'last_error'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'd36bc7e18e5b485fb0c8293da8a71bdf'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'incident'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'd441bfbabc35457dbbb2f18347c9f9a6'
                        key: {
                            document_key: '03296eb43ee34ccf983ee85051a8dd3a'
                            variable: 'e6e3c7535320220002c6435723dc3496'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'd4a17bae4133485793040eb6334f78ed'
                        key: {
                            document_key: '4d068c6c8562491f9103ca839fea2f8a'
                            variable: '9f5f67709f132200ef4afa7dc67fcf94'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'd4c503a563ac403ea27041e7565e9b2f'
                        key: {
                            document_key: '43f48be8717a4ed4b29882c214600152'
                            variable: '989d9e235324220002c6435723dc3484'
                        }
                    },
                    {
                        table: 'sys_db_object'
                        id: 'd4f80f6f9a3740fa9e0df3773e2ee4f8'
                        key: {
                            name: 'x_incident_io_outbound_event'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'd551bcb3dcd44b9083d71a1bbb3493cc'
                        key: {
                            document_key: '0e1075757b7d4c6c8158c3db10d5d22b'
                            variable: '501c8f535320220002c6435723dc34da'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: 'd55d9280916049eda33c5344a9ec60bb'
                        key: {
                            sys_security_acl: 'c2857b48953e4b6db39255c63e460899'
                            sys_user_role: {
                                id: '34eebaf6d8c44b13813d41e1fe0a3361'
                                key: {
                                    name: 'x_incident_io.admin'
                                }
                            }
                        }
                    },
                    {
                        table: 'ua_table_licensing_config'
                        id: 'd5addbc39503440ea98431524453b341'
                        key: {
                            name: 'x_incident_io_config'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'd7191fc806194b86b86bd1e4da5ce22f'
                        key: {
                            document_key: '07d13cb3a3654284b95bb5e7e2078703'
                            variable: 'bc4c43935320220002c6435723dc34a2'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'd81f68dace354cb195be456a6a5d453e'
                        key: {
                            document_key: '70e1b38983604ee88a319582eb2939a9'
                            variable: '6cdd0ab543010210b6f9a0246bb8f2f2'
                        }
                    },
                    {
                        table: 'ua_table_licensing_config'
                        id: 'd8999eb1e2f6426088bccc605f0ea05c'
                        key: {
                            name: 'x_incident_io_delivery_lock'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'd8ea95e5458e4207bafe6b70bce91b4e'
                        key: {
                            document_key: '4f4f8ce7150847fd890454a48f362d38'
                            variable: '989d9e235324220002c6435723dc3484'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'd9b756ebce874fbcb078a1c1c8d561ee'
                        key: {
                            document_key: '03296eb43ee34ccf983ee85051a8dd3a'
                            variable: '90144b535320220002c6435723dc3488'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'db0e59402466423297f047f5f8ffd672'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'attempts'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'db97b17480054c068b94d534c2b4f46a'
                        key: {
                            document_key: '7d5ce993a2a844d19204775cec2884ee'
                            variable: '1d94cb1f3b8032000774229c93efc419'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'dc942f94a91e4ef091934bd2200e046f'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_id'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'dca083af75c04abb8ba1c862a4d64549'
                        key: {
                            document_key: '9823016bd71640fe89c9f874c02891e3'
                            variable: '42f2564b73031300440211d8faf6a777'
                        }
                    },
                    {
                        table: 'ua_table_licensing_config'
                        id: 'de855cd8b03b4cfb915bb40c0e03fc80'
                        key: {
                            name: 'x_incident_io_outbound_event'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'df6c407661a9478b8075d677009f4faa'
                        key: {
                            document_key: '4408f982cbd44bc8a0c0d1bc4b55e2cb'
                            variable: '50bff9250b3222000b7da95e93673a9b'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'e0114f99c48f4c7f998fcab3df18fe6c'
                        key: {
                            document_key: '930c340e73844ac7bab6469e06141d0a'
                            variable: '989d9e235324220002c6435723dc3484'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'e238a5c578264dad939b57f2fb3e8664'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'event_id'
                        }
                    },
                    {
                        table: 'sys_security_acl_role'
                        id: 'e25f6874973446bbb1905823b74acab3'
                        key: {
                            sys_security_acl: '06909a3432fe4089a2732a82b3792819'
                            sys_user_role: {
                                id: 'f6d1cbf875314f7a85e175d2158b5f45'
                                key: {
                                    name: 'x_incident_io.api_user'
                                }
                            }
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'e27a7d6ea04f4f798f3ce83f4f50138c'
                        key: {
                            document_key: '0c979d733a2b45908483759792628f6e'
                            variable: '90144b535320220002c6435723dc3488'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'e5c1a719fa9343db90a4cfa81163ee80'
                        key: {
                            document_key: '6639c58c3a15419ba0d70889211b5c05'
                            variable: '53fb0f535320220002c6435723dc34ec'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'e5e9a472ecd54bf89149648d3cf07db7'
                        key: {
                            document_key: '34ae18eda12e4e76862279af5d6ee318'
                            variable: 'f0eec4d59f132200ef4afa7dc67fcf6d'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'e652df8f39524d028a90441de9b61115'
                        key: {
                            document_key: '706e98068d8a497a93dea047935baa62'
                            variable: '1778a7480f20101091d0f00c97767e03'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'eac5a1d3a1724cd7911e887bf451e75f'
                        key: {
                            document_key: 'a5c6824746bc499ab7987ddd1982bf8b'
                            variable: '1778a7480f20101091d0f00c97767e03'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'eb2408a9fcef44249a882b054cc2b5a5'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'sequence'
                        }
                    },
                    {
                        table: 'sys_dictionary'
                        id: 'eb26fbd88ff8492da99ca78ef0c93ea0'
                        key: {
                            name: 'x_incident_io_delivery_lock'
                            element: 'held_since'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'ec54634c1aa44171a91ba952cb67b887'
                        key: {
                            name: 'x_incident_io_config'
                            element: 'NULL'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'edd6d4f4001147c4a64d37fdf15a143f'
                        key: {
                            document_key: '121435d88e7542849bcaf3d0f477ea73'
                            variable: '89ad06b543010210b6f9a0246bb8f2d7'
                        }
                    },
                    {
                        table: 'sys_element_mapping'
                        id: 'ee185fe855ca4463bbbdfa131b2b1c3e'
                        key: {
                            field: 'record_id'
                            table: 'var__m_atf_input_variable_17a72288df60220062fe6c7a4df26397'
                            id: '6639c58c3a15419ba0d70889211b5c05'
                        }
                    },
                    {
                        table: 'sys_index'
                        id: 'ee59ce9f6c1f40379dc504454d18599a'
                        key: {
                            logical_table_name: 'x_incident_io_outbound_event'
                            col_name_string: 'event_id'
                        }
                    },
                    {
                        table: 'sys_element_mapping'
                        id: 'ef622addb6984501b5e19195b25c1087'
                        key: {
                            field: 'record_id'
                            table: 'var__m_atf_input_variable_1f39a288df60220062fe6c7a4df2639d'
                            id: 'c4d926a7580c466ca4c7f85d160cd829'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'ef719ec69d0b4d03bc03ad8e8fa8f1d2'
                        key: {
                            document_key: '346f822122ee4732b33d90070ca0f6ad'
                            variable: 'ff06ab840f20101091d0f00c97767e6d'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'f01bc739f44b4e11847528d3111ea756'
                        key: {
                            document_key: 'a5c6824746bc499ab7987ddd1982bf8b'
                            variable: '98c44875ffa033008d3f5d9ad53bf1fa'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'f0a41e2abd874289ae93b64c02af69d3'
                        key: {
                            document_key: 'dbe3983ef8f34776a5b29d6ffea6cd64'
                            variable: '78b8d86b531000109e02ddeeff7b12f3'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'f45110bb56744882a44d251334ba5a88'
                        key: {
                            document_key: '428487071f7641e0ae0a65770b0ce8e6'
                            variable: 'ff06ab840f20101091d0f00c97767e6d'
                        }
                    },
                    {
                        table: 'sys_element_mapping'
                        id: 'f4740832f34e46cea1aaefb47644c322'
                        key: {
                            field: 'record_id'
                            table: 'var__m_atf_input_variable_17a72288df60220062fe6c7a4df26397'
                            id: '0e1075757b7d4c6c8158c3db10d5d22b'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'f5f6cf4f51e94875a971525610091b14'
                        key: {
                            document_key: '45c408fd72f04c4ead48c49b75eff027'
                            variable: 'ccae44d59f132200ef4afa7dc67fcf1e'
                        }
                    },
                    {
                        table: 'sys_choice'
                        id: 'f68dc7aa7a7d48beb0a9766b824cb73d'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'state'
                            value: 'sending'
                            language: 'en'
                            dependent_value: 'NULL'
                        }
                    },
                    {
                        table: 'sys_user_role'
                        id: 'f6d1cbf875314f7a85e175d2158b5f45'
                        key: {
                            name: 'x_incident_io.api_user'
                        }
                    },
                    {
                        table: 'sys_documentation'
                        id: 'f6e70881049743c6a0d6bcacf736f2b9'
                        key: {
                            name: 'x_incident_io_outbound_event'
                            element: 'sequence'
                            language: 'en'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'f8a2ba876c7640a79f995f5eae2fa3a7'
                        key: {
                            document_key: '07d13cb3a3654284b95bb5e7e2078703'
                            variable: '46dbcb535320220002c6435723dc3409'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'f8e89374f4f74cc88a0b86a4f7fd1b03'
                        key: {
                            document_key: '121435d88e7542849bcaf3d0f477ea73'
                            variable: '6cdd0ab543010210b6f9a0246bb8f2f2'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'fba31bfc1e97438b93a0d7d14ab8e1cd'
                        key: {
                            document_key: 'a5c6824746bc499ab7987ddd1982bf8b'
                            variable: '1985e0ceff2433008d3f5d9ad53bf1ba'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'fdccf5abe6bd4217a39d0cdfb73be489'
                        key: {
                            document_key: '4408f982cbd44bc8a0c0d1bc4b55e2cb'
                            variable: 'cec002650b3222000b7da95e93673aae'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'fe521b2c07e2470cad64aeafc33a65eb'
                        key: {
                            document_key: '0ceeae4646fb423385f9580636f6174c'
                            variable: '02fb0027531000109e02ddeeff7b120b'
                        }
                    },
                    {
                        table: 'sys_variable_value'
                        id: 'ff5c409c84a94439969788d741baa047'
                        key: {
                            document_key: '9ed48621fafe4041809617a89cabbd8a'
                            variable: '915990ab531000109e02ddeeff7b12f8'
                        }
                    },
                ]
            }
        }
    }
}
